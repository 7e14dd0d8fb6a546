import { CoreConfigSchema, ConfigError, finish, formatConfigError, stripEmpty } from "@academic-assist/core";
import { z } from "zod";

/** The worker's environment: the shared core variables plus these. */
export const WorkerConfigSchema = CoreConfigSchema.extend({
  /** document_processing jobs run at once (each in its own child process). */
  WORKER_PROCESSING_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** indexing jobs run at once. */
  WORKER_INDEXING_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** llm_generation jobs run at once. */
  WORKER_GENERATION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
});

export type WorkerConfig = ReturnType<typeof parseWorkerConfig>;

export function parseWorkerConfig(env: Record<string, string | undefined>) {
  const parsed = WorkerConfigSchema.safeParse(stripEmpty(env));
  if (!parsed.success) throw new ConfigError(formatConfigError(parsed.error));
  return finish(parsed.data);
}
