// Only this adapter imports BullMQ (STYLE.md: "Only the queue adapter imports BullMQ").
import { Job, Queue, UnrecoverableError, WaitingError, Worker } from "bullmq";
import {
  QueueName as QueueNames,
  type JobError,
  type JobStatus,
  type Page,
  type Progress,
  type QueueName,
} from "@academic-assist/sdk/contract";
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { JobRecord, QueuePayloads } from "../../domain/records.ts";
import { AppError, badRequest, isAppError, unavailable } from "../../errors/app-error.ts";
import type {
  EnqueueOptions,
  JobContext,
  JobHandler,
  JobQueue,
  ProcessOptions,
  QueueConsumer,
} from "../../ports/job-queue.ts";
import type { ListOptions } from "../../ports/repositories.ts";
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  checkEvictionPolicy,
  closeRedisClient,
  createRedisClient,
  guardRedis,
  logConnectionTrouble,
  waitUntilReady,
  withTimeout,
  type EvictionPolicyCheck,
  type RedisAdapterLogger,
  type RedisConnectionOptions,
} from "../redis/redis-connection.ts";

/** How long finished jobs are kept in Redis (BullMQ `removeOnComplete` / `removeOnFail`). */
export interface JobRetention {
  /** Completed jobs older than this are removed (default 7 days). */
  completedAgeMs?: number;
  /** At most this many completed jobs are kept per queue (default 10 000). */
  completedCount?: number;
  /** Failed jobs (dead letters) older than this are removed (default 30 days). */
  failedAgeMs?: number;
  /** At most this many failed jobs are kept per queue (default 10 000). */
  failedCount?: number;
}

/** Options of {@link openBullMqQueue}. */
export interface BullMqJobQueueOptions extends RedisConnectionOptions {
  /**
   * Prefix of every key (BullMQ's `prefix`, default `aa`), so several deployments can share a Redis.
   * For Redis Cluster, wrap it in braces (`{aa}`) so that each queue's keys share a slot.
   */
  prefix?: string | undefined;
  /** Delay before the first retry; doubles with each attempt, with up to 20% jitter (default 1000 ms). */
  backoffBaseMs?: number | undefined;
  /** Upper bound of the retry delay (default 5 minutes). */
  backoffMaxMs?: number | undefined;
  /** Retention of finished jobs; evicted jobs disappear from `get`, lists and dead letters. */
  retention?: JobRetention | undefined;
  /**
   * How many times a job may be orphaned (its worker died or hung past the lease) and be delivered
   * again before it fails as a dead letter (BullMQ `maxStalledCount`, default 2).
   */
  maxStalls?: number | undefined;
  /** How long a worker waits before retrying after Redis errors (BullMQ `runRetryDelay`, default 1000 ms). */
  retryDelayMs?: number | undefined;
  /** What a `maxmemory-policy` other than `noeviction` does at open (default `refuse`, see {@link checkEvictionPolicy}). */
  evictionPolicyCheck?: EvictionPolicyCheck | undefined;
  /** Told about connection trouble and worker errors the adapter recovers from by itself. */
  logger?: RedisAdapterLogger | undefined;
}

const STORE = "The job queue";
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;
/** After aborting on close, how long handlers get to notice before their jobs are left to lease expiry. */
const ABORT_GRACE_MS = 500;
/** Our backoff strategy's name in job options (BullMQ calls the worker's `backoffStrategy` for it). */
const BACKOFF_TYPE = "aa-exponential";
/** An index entry whose job is missing is only dropped once this old (the job may be being added). */
const STALE_INDEX_MS = 60_000;
const DAY_MS = 24 * 60 * 60_000;

/** What this adapter stores as a BullMQ job's `data`. */
interface StoredJob {
  payload: unknown;
  idempotencyKey: string;
  projectId: string;
  documentId: string | null;
  noteId: string | null;
  /** The error of the last failed delivery, with its AppError code (BullMQ keeps only the message). */
  lastError?: JobError;
}

/** The fields of a BullMQ job that a {@link JobRecord} is made from. */
interface JobFields {
  id?: string | undefined;
  data: StoredJob;
  opts: { attempts?: number | undefined };
  progress: unknown;
  attemptsStarted: number;
  failedReason?: string | undefined;
  timestamp: number;
  processedOn?: number | undefined;
  finishedOn?: number | undefined;
}

const STATUS_OF: Record<string, JobStatus | undefined> = {
  waiting: "queued",
  wait: "queued",
  delayed: "queued",
  prioritized: "queued",
  paused: "queued",
  "waiting-children": "queued",
  active: "active",
  completed: "completed",
  failed: "failed",
};

const iso = (ms: number): string => new Date(ms).toISOString();

/** The record of a BullMQ job in `state`, or null when the state is unknown (the job was removed). */
function toRecord<P>(queue: QueueName, job: JobFields, state: string): JobRecord<P> | null {
  const status = STATUS_OF[state];
  if (!status || !job.id) return null;
  const finished = status === "completed" || status === "failed";
  const last = job.data.lastError;
  let error: JobError | null = null;
  if (status !== "completed" && job.failedReason !== undefined && job.failedReason !== "") {
    // BullMQ's own failures (e.g. a job that stalled too often) carry no code of ours.
    error = last && last.detail === job.failedReason ? last : { code: "internal", detail: job.failedReason };
  }
  const progress = job.progress;
  return {
    id: job.id,
    queue,
    status,
    payload: job.data.payload as P,
    idempotencyKey: job.data.idempotencyKey,
    projectId: job.data.projectId,
    documentId: job.data.documentId,
    noteId: job.data.noteId,
    attempts: job.attemptsStarted,
    maxAttempts: job.opts.attempts ?? DEFAULT_MAX_ATTEMPTS,
    progress: typeof progress === "object" && progress !== null ? (progress as Progress) : null,
    error,
    createdAt: iso(job.timestamp),
    updatedAt: iso(Math.max(job.timestamp, job.processedOn ?? 0, job.finishedOn ?? 0)),
    finishedAt: finished && job.finishedOn ? iso(job.finishedOn) : null,
  };
}

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

/**
 * The BullMQ job id of an idempotency key. Keys are hashed rather than used raw because BullMQ
 * forbids `:` and integer ids, keys can be long, and an `Idempotency-Key` header is client input that
 * has no business in Redis key names. Same key, same id: BullMQ's own duplicate check then makes a
 * second enqueue return the existing job.
 */
export function jobIdForKey(idempotencyKey: string): string {
  return `job_${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 32)}`;
}

/** Member of a project's index: sorts by creation time, then queue and id (`<ms, 15 digits>:<queue>:<id>`). */
const indexMember = (createdMs: number, queue: QueueName, id: string): string =>
  `${String(createdMs).padStart(15, "0")}:${queue}:${id}`;

const MEMBER = /^(\d{15}):(document_processing|indexing|llm_generation):([A-Za-z0-9_-]+)$/;

function parseMember(member: string): { createdMs: number; queue: QueueName; id: string } | null {
  const m = MEMBER.exec(member);
  return m ? { createdMs: Number(m[1]), queue: m[2] as QueueName, id: m[3]! } : null;
}

const encodeCursor = (member: string): string => Buffer.from(member, "utf8").toString("base64url");

function decodeCursor(cursor: string): string {
  const member = Buffer.from(cursor, "base64url").toString("utf8");
  if (!MEMBER.test(member))
    throw badRequest("The cursor is not valid; pass `nextCursor` from the previous page unchanged.", [
      { path: "query.cursor", message: "invalid cursor" },
    ]);
  return member;
}

interface Delivery {
  controller: AbortController;
  /** Set when close() aborted the handler: its failure then puts the job back instead of counting. */
  shutdown: boolean;
  /** Stops waiting for a handler that ignores its abort signal; the job is left to lease expiry. */
  abandon: () => void;
}

interface ConsumerSettings {
  connection: RedisConnectionOptions;
  prefix: string;
  maxStalls: number;
  retryDelayMs: number;
  operationTimeoutMs: number;
  backoff: (attempt: number, baseMs: number) => number;
  logger: RedisAdapterLogger | undefined;
  onClosed: () => void;
}

/** One `process()` call: a BullMQ Worker on its own connection. */
class BullMqConsumer implements QueueConsumer {
  private readonly connection: Redis;
  private readonly worker: Worker<StoredJob, void>;
  private readonly deliveries = new Map<string, Delivery>();
  private closed: Promise<void> | null = null;

  constructor(
    readonly queue: QueueName,
    private readonly handler: JobHandler,
    private readonly settings: ConsumerSettings,
    options: ProcessOptions,
  ) {
    const leaseMs = Math.max(100, options.leaseMs ?? DEFAULT_LEASE_MS);
    this.connection = createRedisClient(
      settings.connection,
      "blocking",
      `${settings.prefix}:worker:${queue}`,
    );
    logConnectionTrouble(this.connection, settings.logger, { component: "job-queue", queue });
    this.worker = new Worker<StoredJob, void>(queue, (job, token) => this.run(job, token), {
      connection: this.connection,
      prefix: settings.prefix,
      concurrency: Math.max(1, Math.floor(options.concurrency ?? 1)),
      // The lease is BullMQ's lock: renewed every lease/2 while the handler runs; a job whose lock
      // expired is found by the stalled check (every lease) and delivered again.
      lockDuration: leaseMs,
      stalledInterval: leaseMs,
      maxStalledCount: settings.maxStalls,
      runRetryDelay: settings.retryDelayMs,
      settings: {
        backoffStrategy: (attemptsMade, _type, _err, job) => {
          const base = (job?.opts.backoff as { delay?: number } | undefined)?.delay ?? 1000;
          return settings.backoff(attemptsMade, base);
        },
      },
    });
    let lastWarn = 0;
    this.worker.on("error", (error) => {
      // Every failed reconnect is reported here; one line per 10 s is enough to notice.
      if (Date.now() - lastWarn < 10_000) return;
      lastWarn = Date.now();
      settings.logger?.warn({ err: error, queue }, "job queue worker error; it retries by itself");
    });
    this.worker.on("lockRenewalFailed", (jobIds) => {
      for (const id of jobIds)
        this.deliveries
          .get(id)
          ?.controller.abort(
            new AppError("conflict", `The lease on job ${id} was lost; another worker may run it.`),
          );
    });
  }

  private async run(job: Job<StoredJob, void>, token: string | undefined): Promise<void> {
    const id = job.id!;
    const controller = new AbortController();
    let abandon!: () => void;
    const abandoned = new Promise<{ kind: "abandoned" }>((resolve) => {
      abandon = () => {
        resolve({ kind: "abandoned" });
      };
    });
    const delivery: Delivery = { controller, shutdown: false, abandon };
    this.deliveries.set(id, delivery);
    try {
      const record = toRecord<JobContext["job"]["payload"]>(this.queue, job, "active")!;
      const ctx: JobContext = {
        job: record,
        attempt: Math.max(1, job.attemptsStarted),
        signal: controller.signal,
        progress: (progress: Progress) =>
          guardRedis(STORE, this.settings.operationTimeoutMs, () => job.updateProgress(progress)),
      };
      const outcome = await Promise.race([
        this.handler(ctx).then(
          () => ({ kind: "ok" as const }),
          (error: unknown) => ({ kind: "failed" as const, error }),
        ),
        abandoned,
      ]);
      if (outcome.kind === "ok") return;
      // WaitingError tells BullMQ that we moved the job ourselves: it records nothing.
      if (outcome.kind === "abandoned") throw new WaitingError();
      if (delivery.shutdown) {
        try {
          await job.moveToWait(token);
        } catch (error) {
          // The job stays active; its lease expires and it is delivered again.
          this.settings.logger?.warn({ err: error, jobId: id }, "could not put an interrupted job back");
        }
        throw new WaitingError();
      }
      const jobError = toJobError(outcome.error);
      try {
        await job.updateData({ ...job.data, lastError: jobError });
      } catch (error) {
        this.settings.logger?.warn({ err: error, jobId: id }, "could not record the job's error code");
      }
      if (isAppError(outcome.error) && outcome.error.unrecoverable)
        throw new UnrecoverableError(jobError.detail);
      throw outcome.error instanceof Error ? outcome.error : new Error(jobError.detail);
    } finally {
      this.deliveries.delete(id);
    }
  }

  /** Stops taking jobs, waits up to `timeoutMs` for running handlers, then aborts them. */
  close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    this.closed ??= this.shutdown(timeoutMs);
    return this.closed;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    const closing = this.worker.close().catch((error: unknown) => {
      this.settings.logger?.warn({ err: error, queue: this.queue }, "job queue worker did not close cleanly");
    });
    if (!(await settlesWithin(closing, timeoutMs))) {
      for (const delivery of this.deliveries.values()) {
        delivery.shutdown = true;
        delivery.controller.abort(new AppError("service_unavailable", "The worker is shutting down."));
      }
      if (!(await settlesWithin(closing, ABORT_GRACE_MS))) {
        for (const delivery of this.deliveries.values()) delivery.abandon();
        await settlesWithin(closing, 5000);
      }
    }
    await closeRedisClient(this.connection);
    this.settings.onClosed();
  }
}

/** True when `promise` settled within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  try {
    await withTimeout(
      promise.then(() => true),
      ms,
    );
    return true;
  } catch {
    return false;
  }
}

/**
 * The production {@link JobQueue}: BullMQ on Redis. Open it with {@link openBullMqQueue}.
 *
 * - Queues are BullMQ queues named exactly `document_processing`, `indexing`, `llm_generation`.
 * - At-least-once delivery: the lease is BullMQ's job lock; a job whose worker dies is found by the
 *   stalled check and delivered again (a job orphaned more than `maxStalls` times fails).
 * - Failed deliveries are retried with exponential backoff until `maxAttempts`; AppErrors marked
 *   unrecoverable fail at once (BullMQ `UnrecoverableError`). Failed jobs are the dead letters.
 * - The idempotency key decides the BullMQ job id ({@link jobIdForKey}), so a second enqueue
 *   returns the existing job, in whatever queue and state it is.
 * - Finished jobs are kept for a bounded time and number ({@link JobRetention}).
 * - Each project's jobs are indexed in a sorted set (`<prefix>:aa-index:project:<id>`) for
 *   newest-first listing; entries of evicted jobs are skipped and cleaned up lazily.
 * - Requests fail with `service_unavailable` within `operationTimeoutMs` while Redis is down;
 *   workers wait and reconnect by themselves.
 */
export class BullMqJobQueue implements JobQueue {
  private readonly queues: Record<QueueName, Queue<StoredJob>>;
  private readonly consumers = new Set<BullMqConsumer>();
  private readonly prefix: string;
  private readonly backoffBaseMs: number;
  private readonly removeOnComplete: { age: number; count: number };
  private readonly removeOnFail: { age: number; count: number };
  private readonly settings: Omit<ConsumerSettings, "onClosed">;
  private readonly timeoutMs: number;
  private closing: Promise<void> | null = null;

  /** Use {@link openBullMqQueue}, which connects and checks Redis first; `client` is a `command` connection it owns. */
  constructor(
    private readonly client: Redis,
    options: BullMqJobQueueOptions,
  ) {
    this.prefix = options.prefix ?? "aa";
    this.timeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    this.backoffBaseMs = options.backoffBaseMs ?? 1000;
    const backoffMaxMs = options.backoffMaxMs ?? 5 * 60_000;
    const retention = options.retention ?? {};
    this.removeOnComplete = {
      age: Math.ceil((retention.completedAgeMs ?? 7 * DAY_MS) / 1000),
      count: retention.completedCount ?? 10_000,
    };
    this.removeOnFail = {
      age: Math.ceil((retention.failedAgeMs ?? 30 * DAY_MS) / 1000),
      count: retention.failedCount ?? 10_000,
    };
    this.settings = {
      connection: options,
      prefix: this.prefix,
      maxStalls: options.maxStalls ?? 2,
      retryDelayMs: options.retryDelayMs ?? 1000,
      operationTimeoutMs: this.timeoutMs,
      logger: options.logger,
      backoff: (attempt, baseMs) => {
        const exponential = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), backoffMaxMs);
        // Up to +20% jitter so that jobs failing together do not retry in lockstep.
        return Math.round(Math.min(exponential * (1 + Math.random() * 0.2), backoffMaxMs));
      },
    };
    const make = (name: QueueName) => {
      const queue = new Queue<StoredJob>(name, { connection: client, prefix: this.prefix });
      queue.on("error", () => undefined); // reported once per outage by the connection's listener
      return queue;
    };
    this.queues = {
      document_processing: make("document_processing"),
      indexing: make("indexing"),
      llm_generation: make("llm_generation"),
    };
  }

  private guard<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(unavailable(STORE, new Error("the queue is closed")));
    return guardRedis(STORE, this.timeoutMs, operation);
  }

  private projectKey(projectId: string): string {
    return `${this.prefix}:aa-index:project:${projectId}`;
  }

  /** The job with BullMQ id `id` in `queue`, or null. */
  private async load<P = unknown>(queue: QueueName, id: string): Promise<JobRecord<P> | null> {
    const q = this.queues[queue];
    const [job, state] = await Promise.all([Job.fromId<StoredJob>(q, id), q.getJobState(id)]);
    return job ? toRecord<P>(queue, job, state) : null;
  }

  /** The job with id `id` in any queue (ids are unique across queues: they come from the key). */
  private async find<P = unknown>(id: string): Promise<JobRecord<P> | null> {
    const found = await Promise.all(QueueNames.options.map((q) => this.load<P>(q, id)));
    return found.find((r) => r !== null) ?? null;
  }

  /** Adds a job, or returns the existing job with the same idempotency key (whatever its state). */
  async enqueue<Q extends QueueName>(
    queue: Q,
    payload: QueuePayloads[Q],
    options: EnqueueOptions,
  ): Promise<JobRecord<QueuePayloads[Q]>> {
    assertQueue(queue);
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw badRequest("maxAttempts must be a positive integer.");
    const id = jobIdForKey(options.idempotencyKey);
    return this.guard(async () => {
      const existing = await this.find<QueuePayloads[Q]>(id);
      if (existing) return existing;
      const now = Date.now();
      const data: StoredJob = {
        payload,
        idempotencyKey: options.idempotencyKey,
        projectId: options.projectId,
        documentId: options.documentId ?? null,
        noteId: options.noteId ?? null,
      };
      // Index first: an index entry without its job is skipped by listings, a job without one would be unlisted.
      await this.client.zadd(this.projectKey(options.projectId), 0, indexMember(now, queue, id));
      // A concurrent enqueue of the same key in the same queue makes BullMQ keep the first job.
      await this.queues[queue].add(queue, data, {
        jobId: id,
        timestamp: now,
        attempts: maxAttempts,
        backoff: { type: BACKOFF_TYPE, delay: this.backoffBaseMs },
        removeOnComplete: this.removeOnComplete,
        removeOnFail: this.removeOnFail,
      });
      const added = await this.load<QueuePayloads[Q]>(queue, id);
      if (!added) throw unavailable(STORE, new Error(`job ${id} vanished right after it was added`));
      // Another enqueue of the same key won the race: that job is the answer, as it is now.
      if (added.createdAt !== iso(now)) return added;
      // Ours: answer with the job as added, as the SQLite queue does, even if a worker already took it.
      return toRecord<QueuePayloads[Q]>(
        queue,
        { id, data, opts: { attempts: maxAttempts }, progress: 0, attemptsStarted: 0, timestamp: now },
        "waiting",
      )!;
    });
  }

  /** The job, or null. */
  async get(id: string): Promise<JobRecord | null> {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) return null;
    return this.guard(() => this.find(id));
  }

  /** A project's jobs, newest first, optionally of one status. */
  async listByProject(
    projectId: string,
    options: ListOptions & { status?: string | undefined },
  ): Promise<Page<JobRecord>> {
    const limit = Math.max(1, Math.floor(options.limit));
    let upper = options.cursor ? `(${decodeCursor(options.cursor)}` : "+";
    const batchSize = options.status === undefined ? limit + 1 : Math.max(limit + 1, 100);
    const key = this.projectKey(projectId);
    return this.guard(async () => {
      const found: { member: string; record: JobRecord }[] = [];
      const stale: string[] = [];
      for (;;) {
        const batch = await this.client.zrevrangebylex(key, upper, "-", "LIMIT", 0, batchSize);
        const records = await Promise.all(
          batch.map((member) => {
            const parsed = parseMember(member);
            return parsed ? this.load(parsed.queue, parsed.id) : Promise.resolve(null);
          }),
        );
        for (const [i, member] of batch.entries()) {
          const parsed = parseMember(member);
          // A job evicted and enqueued again with the same key has the same id but a new index
          // entry: only the entry with the job's own creation time stands for it.
          const record =
            parsed && Date.parse(records[i]?.createdAt ?? "") === parsed.createdMs ? records[i] : null;
          if (!record) {
            if (!parsed || Date.now() - parsed.createdMs > STALE_INDEX_MS) stale.push(member);
          } else if (options.status === undefined || record.status === options.status) {
            found.push({ member, record });
            if (found.length > limit) break;
          }
        }
        if (found.length > limit || batch.length < batchSize) break;
        upper = `(${batch[batch.length - 1]!}`;
      }
      if (stale.length > 0) {
        // Jobs removed by retention: forget them (best effort; the next listing tries again).
        this.client.zrem(key, ...stale).catch(() => undefined);
      }
      const items = found.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map((f) => f.record),
        nextCursor: found.length > limit && last ? encodeCursor(last.member) : null,
      };
    });
  }

  /** Starts a BullMQ worker for `queue`; it runs until closed. */
  process<Q extends QueueName>(
    queue: Q,
    handler: JobHandler<Q>,
    options: ProcessOptions = {},
  ): QueueConsumer {
    assertQueue(queue);
    if (this.closing) throw unavailable(STORE, new Error("the queue is closed"));
    const consumer: BullMqConsumer = new BullMqConsumer(
      queue,
      // BullMQ only hands this worker jobs of `queue`, so their payloads are QueuePayloads[Q].
      handler as unknown as JobHandler,
      { ...this.settings, onClosed: () => this.consumers.delete(consumer) },
      options,
    );
    this.consumers.add(consumer);
    return consumer;
  }

  /** Jobs per queue and status, from BullMQ's counters (a few O(1) commands per queue, for /metrics). */
  async counts(): Promise<
    Record<QueueName, { queued: number; active: number; completed: number; failed: number }>
  > {
    return this.guard(async () => {
      const perQueue = await Promise.all(
        QueueNames.options.map(async (name) => {
          const c = await this.queues[name].getJobCounts(
            "waiting",
            "delayed",
            "prioritized",
            "waiting-children",
            "active",
            "completed",
            "failed",
          );
          const n = (k: string) => c[k] ?? 0;
          return [
            name,
            {
              queued: n("waiting") + n("delayed") + n("prioritized") + n("waiting-children"),
              active: n("active"),
              completed: n("completed"),
              failed: n("failed"),
            },
          ] as const;
        }),
      );
      return Object.fromEntries(perQueue) as Record<
        QueueName,
        { queued: number; active: number; completed: number; failed: number }
      >;
    });
  }

  /** Failed jobs of `queue` still retained, most recently failed first. */
  async deadLetters(queue: QueueName, limit: number): Promise<JobRecord[]> {
    assertQueue(queue);
    if (limit <= 0) return [];
    return this.guard(async () => {
      const jobs = await this.queues[queue].getFailed(0, Math.floor(limit) - 1);
      return jobs.map((job) => toRecord(queue, job, "failed")).filter((r): r is JobRecord => r !== null);
    });
  }

  /** True when Redis answers PING in time. */
  async ping(): Promise<boolean> {
    try {
      return (await withTimeout(this.client.ping(), this.timeoutMs)) === "PONG";
    } catch {
      return false;
    }
  }

  /** Closes every consumer (draining running jobs, see {@link QueueConsumer.close}), then the connection. */
  close(timeoutMs?: number): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.consumers].map((c) => c.close(timeoutMs)));
      await Promise.allSettled(Object.values(this.queues).map((q) => q.close()));
      await closeRedisClient(this.client);
    })();
    return this.closing;
  }
}

/**
 * Connects to Redis, checks its eviction policy ({@link checkEvictionPolicy}) and returns the
 * BullMQ job queue. Fails with AppError `service_unavailable` when Redis does not answer within
 * `connectTimeoutMs`, and with {@link RedisEvictionPolicyError} when Redis may evict keys and
 * `evictionPolicyCheck` is `refuse` (the default).
 */
export async function openBullMqQueue(options: BullMqJobQueueOptions = {}): Promise<BullMqJobQueue> {
  const client = createRedisClient(options, "command", `${options.prefix ?? "aa"}:queue`);
  logConnectionTrouble(client, options.logger, { component: "job-queue" });
  try {
    await waitUntilReady(client, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, STORE);
    await checkEvictionPolicy(client, {
      check: options.evictionPolicyCheck ?? "refuse",
      logger: options.logger,
    });
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return new BullMqJobQueue(client, options);
}

export { RedisEvictionPolicyError, checkEvictionPolicy } from "../redis/redis-connection.ts";
