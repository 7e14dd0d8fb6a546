import type { Redis } from "ioredis";
import type { EventRecord, NewEvent } from "../../domain/records.ts";
import { badRequest, unavailable } from "../../errors/app-error.ts";
import type { EventBus } from "../../ports/event-bus.ts";
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  closeRedisClient,
  createRedisClient,
  guardRedis,
  logConnectionTrouble,
  waitUntilReady,
  type RedisAdapterLogger,
  type RedisConnectionOptions,
} from "../redis/redis-connection.ts";

/** Options of {@link openRedisEventBus}. */
export interface RedisEventBusOptions extends RedisConnectionOptions {
  /** Prefix of the bus's keys and channel (default `aa`), so several deployments can share a Redis. */
  prefix?: string | undefined;
  /** Newest events kept per project (default 10 000); older ones are trimmed on publish. */
  maxEventsPerProject?: number | undefined;
  /** A project's events are dropped after this long without a new one (default 7 days). */
  retentionMs?: number | undefined;
  /** Told about connection trouble the bus recovers from by itself. */
  logger?: RedisAdapterLogger | undefined;
}

const STORE = "The event stream";

/**
 * One atomic step per publish: take the next id from a counter (INCR, so ids are increasing
 * decimal strings across every process and survive trimming), add the event to its project's sorted
 * set scored by id, trim that set, refresh its expiry and announce the id on the channel.
 * KEYS: counter, project set. ARGV: event JSON (without id), max kept, retention ms, channel.
 */
const PUBLISH_SCRIPT = `
local id = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], id, id .. ':' .. ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[2])
if excess > 0 then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1) end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], id)
return id
`;

type StoredEvent = Omit<EventRecord, "id">;

function parseMember(member: string): EventRecord {
  const colon = member.indexOf(":");
  const stored = JSON.parse(member.slice(colon + 1)) as StoredEvent;
  return {
    id: member.slice(0, colon),
    type: stored.type,
    projectId: stored.projectId,
    documentId: stored.documentId,
    jobId: stored.jobId,
    noteId: stored.noteId,
    data: stored.data,
    at: stored.at,
  };
}

/**
 * The production {@link EventBus}: events in Redis, so that every server replica can replay what a
 * client missed (SSE `Last-Event-ID`) and hear what any worker publishes.
 *
 * Each project's events live in a sorted set (`<prefix>:{events}:project:<id>`) scored by an id from
 * one counter (`<prefix>:{events}:seq`); a Lua script adds, trims and announces atomically, so ids
 * are increasing decimal strings across processes. Watchers hear publishes through pub/sub on a
 * separate subscriber connection (`<prefix>:{events}:published`); after that connection reconnects,
 * watchers are called once so that they catch up with `list` on what they may have missed. The
 * `{events}` hash tag keeps the script's keys in one slot on Redis Cluster.
 */
export class RedisEventBus implements EventBus {
  private readonly listeners = new Set<() => void>();
  private subscriber: Redis | null = null;
  private readonly seqKey: string;
  private readonly channel: string;
  private readonly maxPerProject: number;
  private readonly retentionMs: number;
  private readonly timeoutMs: number;
  private closed = false;

  /** Use {@link openRedisEventBus}; `client` is a `command` connection the bus owns. */
  constructor(
    private readonly client: Redis,
    private readonly options: RedisEventBusOptions = {},
  ) {
    const prefix = options.prefix ?? "aa";
    this.seqKey = `${prefix}:{events}:seq`;
    this.channel = `${prefix}:{events}:published`;
    this.maxPerProject = Math.max(1, options.maxEventsPerProject ?? 10_000);
    this.retentionMs = Math.max(1000, options.retentionMs ?? 7 * 24 * 60 * 60_000);
    this.timeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  }

  private projectKey(projectId: string): string {
    return `${this.options.prefix ?? "aa"}:{events}:project:${projectId}`;
  }

  private guard<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(unavailable(STORE, new Error("the event bus is closed")));
    return guardRedis(STORE, this.timeoutMs, operation);
  }

  /** Stores the event, trims its project's history and tells every watcher (in any process). */
  async publish(event: NewEvent): Promise<EventRecord> {
    const stored: StoredEvent = {
      type: event.type,
      projectId: event.projectId,
      documentId: event.documentId,
      jobId: event.jobId,
      noteId: event.noteId,
      data: event.data,
      at: new Date().toISOString(),
    };
    const id = await this.guard(
      async () =>
        (await this.client.eval(
          PUBLISH_SCRIPT,
          2,
          this.seqKey,
          this.projectKey(event.projectId),
          JSON.stringify(stored),
          this.maxPerProject,
          this.retentionMs,
          this.channel,
        )) as number,
    );
    return { id: String(id), ...stored };
  }

  /** Events after `after` of the given projects, oldest first (one range read per project, merged). */
  async list(after: string | null, projectIds: string[], limit: number): Promise<EventRecord[]> {
    if (after !== null && !/^\d{1,18}$/.test(after))
      throw badRequest("`after` must be an event id.", [
        { path: "query.after", message: "must be an event id" },
      ]);
    const count = Math.floor(limit);
    if (projectIds.length === 0 || count <= 0) return [];
    const min = after === null ? "-inf" : `(${after}`;
    const perProject = await this.guard(() =>
      Promise.all(
        [...new Set(projectIds)].map((p) =>
          this.client.zrangebyscore(this.projectKey(p), min, "+inf", "LIMIT", 0, count),
        ),
      ),
    );
    return perProject
      .flat()
      .map(parseMember)
      .sort((a, b) => Number(a.id) - Number(b.id))
      .slice(0, count);
  }

  /** The newest event's id (the counter: it never goes back, even when old events are trimmed), or null. */
  async latestId(): Promise<string | null> {
    const value = await this.guard(() => this.client.get(this.seqKey));
    return value === null || value === "0" ? null : value;
  }

  /** Calls `listener` after each publish by any process; one subscriber connection serves all listeners. */
  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    if (!this.subscriber && !this.closed) this.subscribe();
    return () => {
      this.listeners.delete(listener);
    };
  }

  private subscribe(): void {
    const subscriber = createRedisClient(
      this.options,
      "blocking",
      `${this.options.prefix ?? "aa"}:events-subscriber`,
    );
    this.subscriber = subscriber;
    logConnectionTrouble(subscriber, this.options.logger, { component: "event-bus" });
    let connectedBefore = false;
    subscriber.on("ready", () => {
      // ioredis subscribes again by itself after a reconnect; events published meanwhile were not
      // announced, so wake the watchers to catch up through list().
      if (connectedBefore) this.notify();
      connectedBefore = true;
    });
    subscriber.on("message", () => {
      this.notify();
    });
    subscriber.subscribe(this.channel).then(
      // Events published while the subscription was being set up were not heard: wake the watchers
      // once so that they look (spurious wake-ups are harmless: watchers read with list()).
      () => {
        this.notify();
      },
      (error: unknown) => {
        this.options.logger?.warn(
          { err: error },
          "could not subscribe to the event channel; retrying on reconnect",
        );
      },
    );
  }

  private notify(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // One failing listener must not starve the others.
      }
    }
  }

  /** Stops watching and closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await Promise.all([
      this.subscriber ? closeRedisClient(this.subscriber) : undefined,
      closeRedisClient(this.client),
    ]);
    this.subscriber = null;
  }
}

/** Connects to Redis and returns the event bus; AppError `service_unavailable` when Redis does not answer in time. */
export async function openRedisEventBus(options: RedisEventBusOptions = {}): Promise<RedisEventBus> {
  const client = createRedisClient(options, "command", `${options.prefix ?? "aa"}:events`);
  logConnectionTrouble(client, options.logger, { component: "event-bus" });
  try {
    await waitUntilReady(client, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, STORE);
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return new RedisEventBus(client, options);
}
