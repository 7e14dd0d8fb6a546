import {
  ConfigError,
  createContext,
  createLogger,
  logContext,
  type JobHandler,
  type QueueConsumer,
} from "@academic-assist/core";
import type { QueueName } from "@academic-assist/sdk/contract";
import { parseWorkerConfig } from "./config.ts";
import { checkRegistry, createHandlers } from "./handlers.ts";

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

  const concurrency: Record<QueueName, number> = {
    document_processing: config.WORKER_PROCESSING_CONCURRENCY,
    indexing: config.WORKER_INDEXING_CONCURRENCY,
    llm_generation: config.WORKER_GENERATION_CONCURRENCY,
  };
  const consumers: QueueConsumer[] = [];
  const consume = <Q extends QueueName>(queue: Q, handler: JobHandler<Q>) => {
    consumers.push(
      app.queue.process(
        queue,
        (ctx) =>
          logContext.run({ jobId: ctx.job.id }, async () => {
            const started = Date.now();
            logger.info({ queue, attempt: ctx.attempt }, "job started");
            try {
              await handler(ctx);
              logger.info({ queue, ms: Date.now() - started }, "job completed");
            } catch (err) {
              logger.warn({ queue, err, ms: Date.now() - started }, "job failed");
              throw err;
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

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "draining");
    void Promise.all(consumers.map((c) => c.close(30_000)))
      .then(() => app.close())
      .finally(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

void main();
