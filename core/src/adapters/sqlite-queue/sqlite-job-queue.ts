import {
  QueueName as QueueNames,
  type JobError,
  type JobStatus,
  type Page,
  type Progress,
  type QueueName,
} from "@academic-assist/sdk/contract";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { newId, nowIso } from "../../domain/ids.ts";
import type { JobRecord, QueuePayloads } from "../../domain/records.ts";
import { AppError, badRequest, isAppError } from "../../errors/app-error.ts";
import type {
  EnqueueOptions,
  JobContext,
  JobHandler,
  JobQueue,
  ProcessOptions,
  QueueConsumer,
} from "../../ports/job-queue.ts";
import type { ListOptions } from "../../ports/repositories.ts";
import { afterCursor, toPage } from "../sqlite/cursor.ts";
import { openDatabase, pingDatabase, type Database } from "../sqlite/database.ts";
import { guard, parseJson, parseJsonOrNull } from "../sqlite/errors.ts";
import { runMigrations } from "../sqlite/migrations.ts";
import { QUEUE_MIGRATIONS } from "./schema.ts";

/** Options of {@link SqliteJobQueue}. */
export interface SqliteJobQueueOptions {
  /** The SQLite file holding the jobs (may be shared with other components and processes). */
  file: string;
  /** How often an idle consumer looks for due jobs (default 250 ms). */
  pollIntervalMs?: number;
  /** Delay before the first retry; doubles with each attempt (default 1000 ms). */
  backoffBaseMs?: number;
  /** Upper bound of the retry delay (default 5 minutes). */
  backoffMaxMs?: number;
  /** Names this process in job leases (default `<host>:<pid>:<random>`). */
  workerId?: string;
  /** Told about store failures a consumer recovers from by itself (e.g. a poll that hit a locked file). */
  logger?: { warn(details: object, message: string): void };
}

const STORE = "The job queue";
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;
/** After aborting on close, how long handlers get to notice before their jobs are left to lease expiry. */
const ABORT_GRACE_MS = 500;

interface JobRow {
  id: string;
  queue: string;
  status: string;
  payload: string;
  idempotency_key: string;
  project_id: string;
  document_id: string | null;
  note_id: string | null;
  attempts: number;
  max_attempts: number;
  progress: string | null;
  error: string | null;
  run_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

const toJob = <P>(r: JobRow): JobRecord<P> => ({
  id: r.id,
  queue: r.queue as QueueName,
  status: r.status as JobStatus,
  payload: parseJson(r.payload) as P,
  idempotencyKey: r.idempotency_key,
  projectId: r.project_id,
  documentId: r.document_id,
  noteId: r.note_id,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  progress: parseJsonOrNull(r.progress) as Progress | null,
  error: parseJsonOrNull(r.error) as JobError | null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

function assertQueue(queue: string): asserts queue is QueueName {
  if (!(QueueNames.options as readonly string[]).includes(queue)) {
    throw badRequest(
      `Unknown queue ${JSON.stringify(queue)}; expected one of ${QueueNames.options.join(", ")}.`,
    );
  }
}

/** What a failed delivery records on the job. */
function toJobError(error: unknown): JobError {
  if (isAppError(error)) return { code: error.code, detail: error.detail };
  if (error instanceof Error) return { code: "internal", detail: error.message };
  return { code: "internal", detail: String(error) };
}

/** A timer-backed sleep whose timer is cleared when `cancel` is called. */
function sleep(ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return {
    done,
    cancel: () => {
      clearTimeout(timer);
    },
  };
}

/** All SQL of the queue, synchronous (better-sqlite3); the public class wraps it in promises. */
class JobStore {
  constructor(
    private readonly db: Database,
    private readonly backoff: (attempt: number) => number,
  ) {}

  insert(queue: QueueName, payload: unknown, options: EnqueueOptions): JobRow {
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw badRequest("maxAttempts must be a positive integer.");
    const at = nowIso();
    return this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO jobs (id, queue, status, payload, idempotency_key, project_id, document_id, note_id, attempts, max_attempts,
             run_at, created_at, updated_at)
           VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
           ON CONFLICT (idempotency_key) DO NOTHING`,
          )
          .run(
            newId("job"),
            queue,
            JSON.stringify(payload),
            options.idempotencyKey,
            options.projectId,
            options.documentId ?? null,
            options.noteId ?? null,
            maxAttempts,
            Date.now(),
            at,
            at,
          );
        return this.db
          .prepare<[string], JobRow>("SELECT * FROM jobs WHERE idempotency_key = ?")
          .get(options.idempotencyKey)!;
      })
      .immediate();
  }

  get(id: string): JobRow | undefined {
    return this.db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE id = ?").get(id);
  }

  /**
   * Takes the oldest due job of `queue` (queued and due, or active with an expired lease: its worker
   * died) for `owner`, in one write transaction so that two consumers never take the same delivery.
   */
  reserve(queue: QueueName, owner: string, leaseMs: number): JobRow | undefined {
    return this.db
      .transaction(() => {
        const now = Date.now();
        const at = new Date(now).toISOString();
        // A job whose worker died on its last attempt would otherwise be retried forever.
        this.db
          .prepare(
            `UPDATE jobs SET status = 'failed', error = ?, finished_at = ?, finished_ms = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
           WHERE queue = ? AND status = 'active' AND lease_until < ? AND attempts >= max_attempts`,
          )
          .run(
            JSON.stringify({
              code: "internal",
              detail: "The worker running the job stopped (its lease expired) and no attempts are left.",
            }),
            at,
            now,
            at,
            queue,
            now,
          );
        return this.db
          .prepare<[string, number, string, string, number, number], JobRow>(
            `UPDATE jobs SET status = 'active', lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
           WHERE id = (
             SELECT id FROM jobs
             WHERE queue = ? AND ((status = 'queued' AND run_at <= ?) OR (status = 'active' AND lease_until < ?))
             ORDER BY run_at, rowid LIMIT 1
           )
           RETURNING *`,
          )
          .get(owner, now + leaseMs, at, queue, now, now);
      })
      .immediate();
  }

  /** Extends the lease; false when it is no longer ours. */
  renew(id: string, owner: string, leaseMs: number): boolean {
    return (
      this.db
        .prepare("UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'active'")
        .run(Date.now() + leaseMs, id, owner).changes > 0
    );
  }

  progress(id: string, owner: string, progress: Progress, leaseMs: number): boolean {
    return (
      this.db
        .prepare(
          "UPDATE jobs SET progress = ?, lease_until = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'active'",
        )
        .run(JSON.stringify(progress), Date.now() + leaseMs, nowIso(), id, owner).changes > 0
    );
  }

  complete(id: string, owner: string): void {
    const now = Date.now();
    const at = new Date(now).toISOString();
    this.db
      .prepare(
        `UPDATE jobs SET status = 'completed', error = NULL, finished_at = ?, finished_ms = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
         WHERE id = ? AND lease_owner = ? AND status = 'active'`,
      )
      .run(at, now, at, id, owner);
  }

  /** Records a failed delivery: dead letter when unrecoverable or out of attempts, else back in the queue after a backoff. */
  fail(row: JobRow, owner: string, error: unknown): void {
    const now = Date.now();
    const at = new Date(now).toISOString();
    const jobError = JSON.stringify(toJobError(error));
    const final = (isAppError(error) && error.unrecoverable) || row.attempts >= row.max_attempts;
    if (final) {
      this.db
        .prepare(
          `UPDATE jobs SET status = 'failed', error = ?, finished_at = ?, finished_ms = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
           WHERE id = ? AND lease_owner = ? AND status = 'active'`,
        )
        .run(jobError, at, now, at, row.id, owner);
    } else {
      this.db
        .prepare(
          `UPDATE jobs SET status = 'queued', error = ?, run_at = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
           WHERE id = ? AND lease_owner = ? AND status = 'active'`,
        )
        .run(jobError, now + this.backoff(row.attempts), at, row.id, owner);
    }
  }

  /** Puts a job interrupted by shutdown back in the queue at once, without spending an attempt. */
  release(id: string, owner: string): void {
    this.db
      .prepare(
        `UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0), run_at = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
         WHERE id = ? AND lease_owner = ? AND status = 'active'`,
      )
      .run(Date.now(), nowIso(), id, owner);
  }
}

interface Delivery {
  done: Promise<void>;
  controller: AbortController;
  /** Set when close() aborted the handler: a failure then releases the job instead of counting. */
  shutdown: boolean;
  /** Set when close() gave up waiting: the outcome is no longer written (the lease will expire). */
  abandoned: boolean;
  stopRenewal: () => void;
}

/** One `process()` call: polls its queue and runs up to `concurrency` handlers at once. */
class SqliteQueueConsumer implements QueueConsumer {
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private closed: Promise<void> | null = null;
  private readonly running = new Set<Delivery>();
  private readonly concurrency: number;
  private readonly leaseMs: number;

  constructor(
    readonly queue: QueueName,
    private readonly store: JobStore,
    private readonly handler: JobHandler,
    private readonly settings: {
      pollIntervalMs: number;
      workerId: string;
      logger: SqliteJobQueueOptions["logger"];
      onClosed: () => void;
    },
    options: ProcessOptions,
  ) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    this.leaseMs = Math.max(50, options.leaseMs ?? DEFAULT_LEASE_MS);
  }

  /** Looks for work now (a job was just enqueued in this process, or a handler finished). */
  wake(): void {
    if (!this.closing && this.running.size < this.concurrency) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.closing) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.pump();
    }, delayMs);
  }

  private pump(): void {
    this.timer = null;
    if (this.closing) return;
    try {
      while (this.running.size < this.concurrency) {
        const owner = `${this.settings.workerId}:${randomBytes(6).toString("hex")}`;
        const row = guard(STORE, () => this.store.reserve(this.queue, owner, this.leaseMs));
        if (!row) break;
        this.run(row, owner);
      }
    } catch (error) {
      this.settings.logger?.warn({ err: error, queue: this.queue }, "job queue poll failed; retrying");
    }
    if (this.running.size < this.concurrency) this.schedule(this.settings.pollIntervalMs);
  }

  private run(row: JobRow, owner: string): void {
    const controller = new AbortController();
    const loseLease = (): void => {
      controller.abort(
        new AppError("conflict", `The lease on job ${row.id} was lost; another worker may run it.`),
      );
    };
    const renewal = setInterval(
      () => {
        try {
          if (!this.store.renew(row.id, owner, this.leaseMs)) {
            clearInterval(renewal);
            loseLease();
          }
        } catch (error) {
          // A transient failure here is retried on the next tick; the lease has slack for it.
          this.settings.logger?.warn({ err: error, jobId: row.id }, "job lease renewal failed");
        }
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    const ctx: JobContext = {
      job: toJob(row),
      attempt: row.attempts,
      signal: controller.signal,
      progress: async (progress: Progress) => {
        const held = guard(STORE, () => this.store.progress(row.id, owner, progress, this.leaseMs));
        if (!held) loseLease();
      },
    };
    const delivery: Delivery = {
      controller,
      shutdown: false,
      abandoned: false,
      stopRenewal: () => {
        clearInterval(renewal);
      },
      done: Promise.resolve(),
    };
    delivery.done = (async () => {
      let outcome: { ok: true } | { ok: false; error: unknown };
      try {
        await this.handler(ctx);
        outcome = { ok: true };
      } catch (error) {
        outcome = { ok: false, error };
      }
      clearInterval(renewal);
      if (!delivery.abandoned) {
        try {
          if (outcome.ok) this.store.complete(row.id, owner);
          else if (delivery.shutdown) this.store.release(row.id, owner);
          else this.store.fail(row, owner, outcome.error);
        } catch (error) {
          // The outcome is lost; the lease expires and the job is delivered again (handlers are idempotent).
          this.settings.logger?.warn({ err: error, jobId: row.id }, "could not record the job's outcome");
        }
      }
      this.running.delete(delivery);
      this.wake();
    })();
    this.running.add(delivery);
  }

  /** Stops polling, waits up to `timeoutMs` for running handlers, then aborts them. */
  close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    this.closed ??= this.shutdown(timeoutMs);
    return this.closed;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.waitForRunning(timeoutMs);
    if (this.running.size > 0) {
      for (const delivery of this.running) {
        delivery.shutdown = true;
        delivery.controller.abort(new AppError("service_unavailable", "The worker is shutting down."));
      }
      await this.waitForRunning(ABORT_GRACE_MS);
      for (const delivery of this.running) {
        delivery.abandoned = true;
        delivery.stopRenewal();
      }
      this.running.clear();
    }
    this.settings.onClosed();
  }

  private async waitForRunning(timeoutMs: number): Promise<void> {
    if (this.running.size === 0) return;
    const timeout = sleep(timeoutMs);
    await Promise.race([Promise.all([...this.running].map((d) => d.done)), timeout.done]);
    timeout.cancel();
  }
}

/**
 * A durable job queue in SQLite (embedded mode): at-least-once delivery with leases, retries with
 * exponential backoff and jitter, dead letters. Several processes may consume the same file; a job
 * whose worker dies is delivered again once its lease expires.
 */
export class SqliteJobQueue implements JobQueue {
  private readonly db: Database;
  private readonly store: JobStore;
  private readonly consumers = new Set<SqliteQueueConsumer>();
  private readonly pollIntervalMs: number;
  private readonly workerId: string;
  private readonly logger: SqliteJobQueueOptions["logger"];

  /** Opens (creating and migrating as needed) the queue in `options.file`. */
  constructor(options: SqliteJobQueueOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
    this.logger = options.logger;
    const base = options.backoffBaseMs ?? 1000;
    const max = options.backoffMaxMs ?? 5 * 60_000;
    const backoff = (attempt: number): number => {
      const exponential = Math.min(base * 2 ** Math.max(0, attempt - 1), max);
      // Up to +20% jitter so that jobs failing together do not retry in lockstep.
      return Math.round(Math.min(exponential * (1 + Math.random() * 0.2), max));
    };
    this.db = guard(STORE, () => openDatabase(options.file));
    guard(STORE, () => {
      runMigrations(this.db, "job_queue", QUEUE_MIGRATIONS);
    });
    this.store = new JobStore(this.db, backoff);
  }

  /** Adds a job, or returns the existing job with the same idempotency key (whatever its state). */
  async enqueue<Q extends QueueName>(
    queue: Q,
    payload: QueuePayloads[Q],
    options: EnqueueOptions,
  ): Promise<JobRecord<QueuePayloads[Q]>> {
    assertQueue(queue);
    const row = guard(STORE, () => this.store.insert(queue, payload, options));
    for (const consumer of this.consumers) if (consumer.queue === row.queue) consumer.wake();
    return toJob<QueuePayloads[Q]>(row);
  }

  /** The job, or null. */
  async get(id: string): Promise<JobRecord | null> {
    const row = guard(STORE, () => this.store.get(id));
    return row ? toJob(row) : null;
  }

  /** A project's jobs, newest first, optionally of one status. */
  async listByProject(
    projectId: string,
    options: ListOptions & { status?: string | undefined },
  ): Promise<Page<JobRecord>> {
    return guard(STORE, () => {
      const after = afterCursor(options.cursor);
      const status =
        options.status === undefined
          ? { sql: "1", params: [] }
          : { sql: "status = ?", params: [options.status] };
      const rows = this.db
        .prepare<unknown[], JobRow>(
          `SELECT * FROM jobs WHERE project_id = ? AND ${status.sql} AND ${after.sql} ORDER BY created_at DESC, id DESC LIMIT ?`,
        )
        .all(projectId, ...status.params, ...after.params, options.limit + 1);
      return toPage(
        rows.map((r) => toJob(r)),
        options.limit,
      );
    });
  }

  /** Starts a consumer of `queue`; it polls every `pollIntervalMs` until closed. */
  process<Q extends QueueName>(
    queue: Q,
    handler: JobHandler<Q>,
    options: ProcessOptions = {},
  ): QueueConsumer {
    assertQueue(queue);
    const consumer: SqliteQueueConsumer = new SqliteQueueConsumer(
      queue,
      this.store,
      // The store only hands this consumer jobs of `queue`, so their payloads are QueuePayloads[Q].
      handler as unknown as JobHandler,
      {
        pollIntervalMs: this.pollIntervalMs,
        workerId: this.workerId,
        logger: this.logger,
        onClosed: () => this.consumers.delete(consumer),
      },
      options,
    );
    this.consumers.add(consumer);
    consumer.wake();
    return consumer;
  }

  /** Jobs per queue and status. */
  async counts(): Promise<
    Record<QueueName, { queued: number; active: number; completed: number; failed: number }>
  > {
    const rows = guard(STORE, () =>
      this.db
        .prepare<[], { queue: string; status: string; n: number }>(
          "SELECT queue, status, count(*) AS n FROM jobs GROUP BY queue, status",
        )
        .all(),
    );
    const counts = Object.fromEntries(
      QueueNames.options.map((q) => [q, { queued: 0, active: 0, completed: 0, failed: 0 }]),
    ) as Record<QueueName, Record<JobStatus, number>>;
    for (const r of rows) {
      const perQueue = counts[r.queue as QueueName] as Record<JobStatus, number> | undefined;
      if (perQueue && r.status in perQueue) perQueue[r.status as JobStatus] = r.n;
    }
    return counts;
  }

  /** Failed jobs of `queue`, most recently failed first. */
  async deadLetters(queue: QueueName, limit: number): Promise<JobRecord[]> {
    return guard(STORE, () =>
      this.db
        .prepare<[string, number], JobRow>(
          "SELECT * FROM jobs WHERE queue = ? AND status = 'failed' ORDER BY finished_ms DESC, id DESC LIMIT ?",
        )
        .all(queue, limit)
        .map((r) => toJob(r)),
    );
  }

  /**
   * Deletes completed and failed jobs that finished more than `olderThanMs` ago; returns how many.
   * Their idempotency keys become free again.
   */
  async prune(olderThanMs: number): Promise<number> {
    return guard(
      STORE,
      () =>
        this.db
          .prepare("DELETE FROM jobs WHERE status IN ('completed', 'failed') AND finished_ms < ?")
          .run(Date.now() - olderThanMs).changes,
    );
  }

  /** True when the file answers a trivial query. */
  async ping(): Promise<boolean> {
    return pingDatabase(this.db);
  }

  /** Closes every consumer (draining running jobs, see {@link QueueConsumer.close}) and the file. */
  async close(timeoutMs?: number): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close(timeoutMs)));
    if (this.db.open) this.db.close();
  }
}
