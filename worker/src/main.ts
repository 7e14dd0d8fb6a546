import {
  ConfigError,
  createContext,
  createLogger,
  exitOnStartFailure,
  logContext,
  prewarmExtraction,
  type JobHandler,
  type QueueConsumer,
} from "@academic-assist/core";
import type { QueueName } from "@academic-assist/sdk/contract";
import { parseWorkerConfig } from "./config.ts";
import { checkRegistry, createHandlers } from "./handlers.ts";
import { JobMetrics, startMetricsServer } from "./metrics.ts";
import { startHeartbeat, type Heartbeat } from "./heartbeat.ts";
import { startQueueDepthPublisher } from "./queue-depth-publisher.ts";
import { TaskProtection } from "./task-protection.ts";

/** How often the worker proves it is alive (see WORKER_HEARTBEAT_FILE and /healthz). */
const HEARTBEAT_INTERVAL_MS = 10_000;
/** /healthz answers 503 once the last passing check is older than this (three missed beats). */
const HEALTH_MAX_AGE_MS = 3 * HEARTBEAT_INTERVAL_MS;

async function main(): Promise<void> {
  let config;
  try {
    config = parseWorkerConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`academic-assist worker: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger({ name: "worker", level: config.LOG_LEVEL });
  const app = await createContext(config, logger);
  const handlers = createHandlers(app);
  checkRegistry(handlers);
  const metrics = new JobMetrics();
  let heartbeat: Heartbeat | null = null;
  const metricsServer =
    config.WORKER_METRICS_PORT === undefined
      ? null
      : await startMetricsServer(app, metrics, {
          port: config.WORKER_METRICS_PORT,
          host: config.WORKER_METRICS_HOST,
          alive: () => heartbeat?.alive(HEALTH_MAX_AGE_MS) ?? false,
        });
  if (metricsServer) logger.info({ url: `${metricsServer.url}/metrics` }, "worker metrics listening");

  const concurrency: Record<QueueName, number> = {
    document_processing: config.WORKER_PROCESSING_CONCURRENCY,
    indexing: config.WORKER_INDEXING_CONCURRENCY,
    llm_generation: config.WORKER_GENERATION_CONCURRENCY,
  };
  // On ECS (the agent injects ECS_AGENT_URI): no scale-in or deployment stops a task mid-job.
  const protection = config.ECS_AGENT_URI
    ? new TaskProtection({
        agentUri: config.ECS_AGENT_URI,
        expiresInMinutes: config.WORKER_TASK_PROTECTION_MINUTES,
        logger: logger.child({ component: "task-protection" }),
      })
    : null;
  const consumers: QueueConsumer[] = [];
  const consume = <Q extends QueueName>(queue: Q, handler: JobHandler<Q>) => {
    consumers.push(
      app.queue.process(
        queue,
        (ctx) =>
          logContext.run({ jobId: ctx.job.id }, async () => {
            const started = performance.now();
            logger.info({ queue, attempt: ctx.attempt }, "job started");
            protection?.jobStarted();
            try {
              await handler(ctx);
              const ms = performance.now() - started;
              metrics.observe(queue, "completed", ms / 1000);
              logger.info({ queue, ms: Math.round(ms) }, "job completed");
            } catch (err) {
              const ms = performance.now() - started;
              metrics.observe(queue, "failed", ms / 1000);
              logger.warn({ queue, err, ms: Math.round(ms) }, "job failed");
              throw err;
            } finally {
              protection?.jobEnded();
            }
          }),
        { concurrency: concurrency[queue], leaseMs: config.JOB_LEASE_MS },
      ),
    );
  };
  consume("document_processing", handlers.document_processing);
  consume("indexing", handlers.indexing);
  consume("llm_generation", handlers.llm_generation);
  logger.info({ queues: Object.keys(handlers), dataDir: config.dataDir }, "worker started");
  // One extraction child per document the worker may process at once, started now rather than
  // when the first upload arrives (Node, tsx and pdf.js take 1–3 s to load).
  void prewarmExtraction(config.WORKER_PROCESSING_CONCURRENCY, config.EXTRACTION_MEMORY_MB);

  let stopping = false;
  // Alive = every consumer runs and the queue answers; /healthz and the heartbeat file both say so.
  heartbeat = startHeartbeat({
    file: config.WORKER_HEARTBEAT_FILE,
    intervalMs: HEARTBEAT_INTERVAL_MS,
    check: async () =>
      !stopping && consumers.length === Object.keys(handlers).length && (await app.queue.ping()),
    onFailure: (err) => logger.warn({ err }, "heartbeat: the queue does not answer or a consumer stopped"),
  });

  const queueDepth = config.METRICS_CLOUDWATCH_NAMESPACE
    ? startQueueDepthPublisher({
        queue: app.queue,
        namespace: config.METRICS_CLOUDWATCH_NAMESPACE,
        intervalMs: config.METRICS_CLOUDWATCH_INTERVAL_S * 1000,
        onError: (err) => logger.warn({ err }, "queue depth: the queue could not be counted"),
      })
    : null;
  void queueDepth?.publishNow();

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, deadlineS: config.WORKER_DRAIN_TIMEOUT_S }, "draining");
    heartbeat?.stop();
    queueDepth?.stop();
    void Promise.all(consumers.map((c) => c.close(config.WORKER_DRAIN_TIMEOUT_S * 1000)))
      .then(() => protection?.settled())
      .then(() => metricsServer?.close())
      .then(() => app.close())
      .finally(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => exitOnStartFailure("worker", err));
