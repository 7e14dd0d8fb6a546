import type { Page, Progress, QueueName } from "@academic-assist/sdk/contract";
import type { JobRecord, QueuePayloads } from "../domain/records.ts";
import type { ListOptions } from "./repositories.ts";

export interface EnqueueOptions {
  /** Same key, same job: a second enqueue with a key already used returns the existing job. */
  idempotencyKey: string;
  projectId: string;
  documentId?: string | null;
  noteId?: string | null;
  /** Total tries including the first (default 5). */
  maxAttempts?: number;
}

/** What a handler gets for one delivery of one job. */
export interface JobContext<Q extends QueueName = QueueName> {
  job: JobRecord<QueuePayloads[Q]>;
  /** 1 on the first delivery. */
  attempt: number;
  /** Records progress on the job (visible in the API) and keeps the lease alive. */
  progress(progress: Progress): Promise<void>;
  /** Aborted when the worker is shutting down or the lease was lost. */
  signal: AbortSignal;
}

export type JobHandler<Q extends QueueName = QueueName> = (ctx: JobContext<Q>) => Promise<void>;

export interface ProcessOptions {
  /** Jobs run at once by this consumer (default 1). */
  concurrency?: number;
  /** A job whose worker stops renewing for this long is delivered again (default 30 s). */
  leaseMs?: number;
}

/** A running consumer of one queue. */
export interface QueueConsumer {
  /** Stops taking jobs and waits for running ones to finish (drain); aborts them after `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Durable job queue with at-least-once delivery. Failed jobs are retried with exponential backoff
 * until `maxAttempts`; errors marked unrecoverable fail at once; jobs out of attempts are dead
 * letters (status `failed`, kept and listable). Handlers must be idempotent.
 */
export interface JobQueue {
  /** Adds a job (or returns the existing one for the same idempotency key). */
  enqueue<Q extends QueueName>(
    queue: Q,
    payload: QueuePayloads[Q],
    options: EnqueueOptions,
  ): Promise<JobRecord<QueuePayloads[Q]>>;
  /** The job, or null. */
  get(id: string): Promise<JobRecord | null>;
  /** A project's jobs, newest first. */
  listByProject(
    projectId: string,
    options: ListOptions & { status?: string | undefined },
  ): Promise<Page<JobRecord>>;
  /** Starts consuming `queue` with `handler`. */
  process<Q extends QueueName>(queue: Q, handler: JobHandler<Q>, options?: ProcessOptions): QueueConsumer;
  /** Jobs per queue and status (for /metrics). */
  counts(): Promise<Record<QueueName, { queued: number; active: number; completed: number; failed: number }>>;
  /** Dead letters: jobs that failed for good, newest first. */
  deadLetters(queue: QueueName, limit: number): Promise<JobRecord[]>;
  /** True when the queue's store answers (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
