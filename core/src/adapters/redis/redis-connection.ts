import { Redis, type RedisOptions } from "ioredis";
import { AppError, isAppError, unavailable } from "../../errors/app-error.ts";

/**
 * Where Redis is, shared by the BullMQ job queue and the Redis event bus. Either `url` or
 * `host`/`port`; the password is never logged.
 */
export interface RedisConnectionOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. Wins over `host`/`port`. */
  url?: string | undefined;
  /** Host name (default 127.0.0.1) when no `url` is given. */
  host?: string | undefined;
  /** Port (default 6379) when no `url` is given. */
  port?: number | undefined;
  /** ACL user name (Redis 6+), with `host`. */
  username?: string | undefined;
  /** AUTH password, with `host`. */
  password?: string | undefined;
  /** Connect to `host` over TLS (ElastiCache with in-transit encryption). */
  tls?: boolean | undefined;
  /**
   * How long a request-path operation (enqueue, get, publish, …) may take before it fails with
   * `service_unavailable` (default 1500 ms), so that an unreachable Redis answers callers quickly.
   */
  operationTimeoutMs?: number | undefined;
  /** How long opening waits for Redis to answer before failing with `service_unavailable` (default 10 s). */
  connectTimeoutMs?: number | undefined;
}

/** The subset of a pino logger the Redis adapters use. */
export interface RedisAdapterLogger {
  warn(details: object, message: string): void;
  error?(details: object, message: string): void;
  info?(details: object, message: string): void;
}

/** What `maxmemory-policy` other than `noeviction` does at open: stop the process, or log an error and go on. */
export type EvictionPolicyCheck = "refuse" | "warn";

export const DEFAULT_OPERATION_TIMEOUT_MS = 1500;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * How a connection is used:
 * - `command`: request-path commands. No offline queue and a command timeout, so that a call made
 *   while Redis is down fails at once instead of waiting for a reconnect.
 * - `blocking`: BullMQ workers and pub/sub subscribers. Commands wait for the reconnect
 *   (`maxRetriesPerRequest: null`, which BullMQ requires for workers).
 */
export type RedisRole = "command" | "blocking";

/** A new ioredis client; it reconnects by itself for ever (backing off to 2 s) after Redis goes away. */
export function createRedisClient(options: RedisConnectionOptions, role: RedisRole, name: string): Redis {
  const common: RedisOptions = {
    connectionName: name,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
    // After a failover the old primary answers READONLY: reconnect (DNS then points at the new one).
    reconnectOnError: (error: Error) => error.message.startsWith("READONLY"),
    ...(role === "command"
      ? {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
        }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null }),
  };
  if (options.url) return new Redis(options.url, common);
  return new Redis({
    ...common,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 6379,
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
    ...(options.tls ? { tls: {} } : {}),
  });
}

/** Resolves once `client` is ready; AppError `service_unavailable` after `timeoutMs`. */
export async function waitUntilReady(client: Redis, timeoutMs: number, what: string): Promise<void> {
  if (client.status === "ready") return;
  let onReady: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastError: unknown;
  const onError = (error: unknown) => {
    lastError = error;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = resolve;
      client.once("ready", onReady);
      client.on("error", onError);
      timer = setTimeout(() => {
        reject(
          new AppError(
            "service_unavailable",
            `${what} is unavailable: Redis did not answer within ${timeoutMs} ms.`,
            {
              cause: lastError,
            },
          ),
        );
      }, timeoutMs);
    });
  } finally {
    clearTimeout(timer);
    if (onReady) client.off("ready", onReady);
    client.off("error", onError);
  }
}

/** Closes `client` politely (QUIT), or drops it when Redis does not answer. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === "end") return;
  if (client.status !== "ready") {
    client.disconnect();
    return;
  }
  try {
    await withTimeout(client.quit(), 1000);
  } catch {
    client.disconnect();
  }
}

/**
 * Redis's eviction policy: from `CONFIG GET`, else from `INFO memory` (managed services such as
 * ElastiCache forbid CONFIG but answer INFO); null when neither is allowed.
 */
export async function readEvictionPolicy(client: Redis): Promise<string | null> {
  try {
    const reply = await client.config("GET", "maxmemory-policy");
    if (Array.isArray(reply) && typeof reply[1] === "string") return reply[1];
  } catch {
    // CONFIG renamed or forbidden: try INFO.
  }
  try {
    const match = /^maxmemory_policy:(\S+)/m.exec(await client.info("memory"));
    if (match?.[1]) return match[1];
  } catch {
    // INFO forbidden too.
  }
  return null;
}

/** Thrown at open when Redis may evict keys and the check is `refuse`. */
export class RedisEvictionPolicyError extends Error {
  constructor(readonly policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}", but the job queue needs "noeviction": under memory pressure an ` +
        `evicting Redis silently deletes queued jobs and their locks, so uploads would never be processed ` +
        `or would run twice. Set \`maxmemory-policy noeviction\` (on ElastiCache: in the parameter group), ` +
        `or set REDIS_EVICTION_POLICY_CHECK=warn to start anyway.`,
    );
    this.name = "RedisEvictionPolicyError";
  }
}

/**
 * Checks that Redis never evicts keys (`maxmemory-policy noeviction`), which a durable queue needs.
 *
 * With `refuse` (the default of the deployables) a known policy other than `noeviction` throws
 * {@link RedisEvictionPolicyError}, so the process stops at boot with a clear message instead of
 * losing jobs weeks later under memory pressure. With `warn` it logs an error and goes on (for an
 * operator who accepts the risk, e.g. a Redis with plenty of headroom shared with a cache). A server
 * that hides its policy (CONFIG and INFO both forbidden) is tolerated with a warning either way, since
 * refusing it would lock out managed services. Returns the policy, or null when unknown.
 */
export async function checkEvictionPolicy(
  client: Redis,
  options: { check: EvictionPolicyCheck; logger?: RedisAdapterLogger | undefined },
): Promise<string | null> {
  const policy = await readEvictionPolicy(client);
  if (policy === null) {
    options.logger?.warn(
      {},
      "Could not read Redis maxmemory-policy (CONFIG and INFO are not allowed); make sure it is noeviction, or queued jobs may be lost",
    );
    return null;
  }
  if (policy === "noeviction") return policy;
  const error = new RedisEvictionPolicyError(policy);
  if (options.check === "refuse") throw error;
  (options.logger?.error ?? options.logger?.warn)?.call(options.logger, { policy }, error.message);
  return policy;
}

const REDIS_FAILURE =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|Connection closed|enableOfflineQueue|Stream isn't writeable|Command timed out|max retries|LOADING|READONLY|OOM|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOAUTH|WRONGPASS|NOPERM|BUSY/i;

/** True when `error` comes from Redis or the connection to it (as opposed to a bug in our code). */
export function isRedisFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (["ReplyError", "MaxRetriesPerRequestError", "ConnectionClosedError"].includes(error.name)) return true;
  return REDIS_FAILURE.test(error.message);
}

/** Rejects with `error()` when `promise` has not settled after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, error?: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(error?.() ?? new Error(`Command timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/**
 * Runs a Redis operation for `what` (e.g. "The job queue") with a deadline, translating Redis and
 * connection failures, and the deadline, into AppError `service_unavailable`. AppErrors pass through;
 * anything else is a bug and is rethrown as is.
 */
export async function guardRedis<T>(
  what: string,
  timeoutMs: number,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await withTimeout(operation(), timeoutMs, () =>
      unavailable(what, new Error(`timed out after ${timeoutMs} ms`)),
    );
  } catch (error) {
    if (isAppError(error)) throw error;
    if (isRedisFailure(error)) throw unavailable(what, error);
    throw error;
  }
}

/**
 * Logs a connection's trouble once per outage rather than on every reconnect attempt, and its
 * recovery. Also keeps ioredis from printing "Unhandled error event" for every failed reconnect.
 */
export function logConnectionTrouble(
  client: Redis,
  logger: RedisAdapterLogger | undefined,
  details: Record<string, unknown>,
): void {
  let down = false;
  client.on("error", (error: unknown) => {
    if (down) return;
    down = true;
    logger?.warn({ ...details, err: error }, "Redis connection lost; reconnecting");
  });
  client.on("ready", () => {
    if (!down) return;
    down = false;
    logger?.info?.(details, "Redis connection restored");
  });
}
