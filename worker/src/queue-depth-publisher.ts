import { queueDepthEmf, type JobQueue } from "@academic-assist/core";

/** A running publisher; `stop()` ends it. */
export interface QueueDepthPublisher {
  stop(): void;
  /** Publishes once now (also what each tick does). */
  publishNow(): Promise<void>;
}

/**
 * Publishes queue depth per queue as CloudWatch Embedded Metric Format lines on stdout every
 * `intervalMs` (METRICS_CLOUDWATCH_NAMESPACE set, i.e. on ECS): the awslogs driver ships stdout to
 * CloudWatch Logs, which turns the lines into the `QueueDepth` / `FailedJobs` metrics that the
 * document and worker services scale on (infra/src/queue-metrics.ts). Written raw, not through pino,
 * whose JSON envelope would hide the `_aws` block from CloudWatch. A failed count is reported to
 * `onError` and the next tick tries again.
 */
export function startQueueDepthPublisher(options: {
  queue: Pick<JobQueue, "counts">;
  namespace: string;
  intervalMs: number;
  write?: (text: string) => void;
  onError?: (error: unknown) => void;
  now?: () => number;
}): QueueDepthPublisher {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const now = options.now ?? Date.now;
  const publishNow = async () => {
    try {
      const counts = await options.queue.counts();
      write(`${queueDepthEmf(counts, { namespace: options.namespace, timestamp: now() })}\n`);
    } catch (error) {
      options.onError?.(error);
    }
  };
  const timer = setInterval(() => void publishNow(), options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), publishNow };
}
