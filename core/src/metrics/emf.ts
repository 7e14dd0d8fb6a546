import type { QueueName } from "@academic-assist/sdk/contract";

/** The CloudWatch namespace the deployment's scaling policies and alarms read (infra/src/queue-metrics.ts). */
export const DEFAULT_METRICS_NAMESPACE = "AcademicAssist";

/** Jobs of one queue by status, as `JobQueue.counts()` reports them. */
export interface QueueCounts {
  queued: number;
  active: number;
  completed: number;
  failed: number;
}

export interface QueueDepthEmfOptions {
  /** CloudWatch namespace, e.g. `AcademicAssist` (METRICS_CLOUDWATCH_NAMESPACE). */
  namespace: string;
  /** When the counts were taken: a Date or milliseconds since the epoch. */
  timestamp: Date | number;
}

/**
 * Renders queue counts in CloudWatch Embedded Metric Format: one JSON line per queue, with the
 * dimension `Queue` = the queue name and two metrics — `QueueDepth` (jobs waiting to be taken) and
 * `FailedJobs` (dead letters kept). Written to stdout, CloudWatch Logs (awslogs driver) turns each
 * line into datapoints that the ECS step scaling and the alarms read.
 *
 * EMF carries one value per dimension per document, so three queues take three lines; the lines
 * are joined with "\n" and the result has no trailing newline. Pure: no clock, no I/O.
 */
export function queueDepthEmf(
  counts: Partial<Record<QueueName, Pick<QueueCounts, "queued" | "failed">>>,
  { namespace, timestamp }: QueueDepthEmfOptions,
): string {
  if (namespace.trim() === "") throw new TypeError("namespace must not be empty");
  const ms = typeof timestamp === "number" ? timestamp : timestamp.getTime();
  if (!Number.isSafeInteger(ms) || ms < 0) throw new TypeError(`invalid timestamp: ${String(timestamp)}`);

  const lines: string[] = [];
  for (const [queue, c] of Object.entries(counts)) {
    if (!c) continue;
    lines.push(
      JSON.stringify({
        _aws: {
          Timestamp: ms,
          CloudWatchMetrics: [
            {
              Namespace: namespace,
              Dimensions: [["Queue"]],
              Metrics: [
                { Name: "QueueDepth", Unit: "Count" },
                { Name: "FailedJobs", Unit: "Count" },
              ],
            },
          ],
        },
        Queue: queue,
        QueueDepth: count(queue, "queued", c.queued),
        FailedJobs: count(queue, "failed", c.failed),
      }),
    );
  }
  return lines.join("\n");
}

/** A count must be a non-negative integer: NaN would serialise as `null` and CloudWatch would drop the line. */
function count(queue: string, field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${queue}.${field} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}
