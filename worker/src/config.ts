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
  /**
   * File the worker touches every 10 s while its queue answers; the container health check fails
   * when it goes stale. Unset (local mode) = no heartbeat. The images set /tmp/academic-assist-worker.heartbeat.
   */
  WORKER_HEARTBEAT_FILE: z.string().min(1).optional(),
  /**
   * Port of the worker's own /metrics (job durations, queue depth, process) and /healthz; unset =
   * no listener (local mode). Prometheus scrapes it beside the server's /metrics.
   */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /**
   * CloudWatch namespace for queue depth in Embedded Metric Format on stdout (ECS sets
   * `AcademicAssist`; the autoscaling of the document and worker services reads it). Unset = off.
   */
  METRICS_CLOUDWATCH_NAMESPACE: z.string().min(1).optional(),
  /** How often queue depth is published, in seconds. */
  METRICS_CLOUDWATCH_INTERVAL_S: z.coerce.number().int().min(5).max(3600).default(60),
  /** Interface the metrics listener binds (0.0.0.0 in a container). */
  WORKER_METRICS_HOST: z.string().default("127.0.0.1"),
  /**
   * On SIGTERM the worker stops taking jobs and waits this many seconds for running ones before it
   * gives them up (they are delivered again). Keep it below the platform's grace period: ECS
   * `stopTimeout` (the CDK app sets 100 s under 120 s), compose `stop_grace_period`.
   */
  WORKER_DRAIN_TIMEOUT_S: z.coerce.number().positive().max(3600).default(25),
  /**
   * The ECS container agent's endpoint, injected by ECS into every container of a task. When set,
   * the worker asks for scale-in protection while it has jobs in flight (task-protection.ts).
   */
  ECS_AGENT_URI: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * How long one scale-in protection lasts (ECS allows 1–2880). It bounds how long a deployment or a
   * scale-in waits for a busy worker; jobs still running after it are drained on SIGTERM as usual.
   */
  WORKER_TASK_PROTECTION_MINUTES: z.coerce.number().int().min(1).max(2880).default(30),
});

export type WorkerConfig = ReturnType<typeof parseWorkerConfig>;

export function parseWorkerConfig(env: Record<string, string | undefined>) {
  const parsed = WorkerConfigSchema.safeParse(stripEmpty(env));
  if (!parsed.success) throw new ConfigError(formatConfigError(parsed.error));
  // The worker signs and verifies nothing: SECRET_KEY stays with the server roles.
  return finish(parsed.data, { usesSecretKey: false });
}
