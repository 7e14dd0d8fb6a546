import { endpoints, Event, EventList } from "../contract/index.ts";
import { retryDelay, type RequestOptions } from "../core/api-client.ts";
import { AcademicAssistError, ApiError } from "../core/errors.ts";
import { APIResource } from "../core/resource.ts";
import { readSSE } from "../core/sse.ts";
import { abortReason, backoffDelay, sleep } from "../core/utils.ts";
import type { AcademicAssist } from "../client.ts";

export interface EventListParams {
  /** Only this project's events. */
  projectId?: string | undefined;
  /** Events after this id (exclusive): the previous answer's `lastEventId`. */
  after?: string | undefined;
  /** Seconds (0–30) to hold the request open until a first event arrives: long-poll. Default 0. */
  wait?: number | undefined;
  /** At most this many events, 1–500 (default 100). */
  limit?: number | undefined;
}

export interface EventStreamParams {
  /** Only this project's events; without it, every project you are a member of. */
  projectId?: string | undefined;
  /** Start after this event id (exclusive); without it, the server starts from now. */
  after?: string | undefined;
  /** Ends the stream: the iteration rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * A connection that sends nothing (not even the server's keepalive comments) for this long is
   * treated as dropped and reopened. Milliseconds, default 45 000; 0 disables.
   */
  idleTimeout?: number | undefined;
  /** How many connection attempts in a row may fail before the iteration rejects. Default 5. */
  maxReconnects?: number | undefined;
  /** Called each time a connection is (re)established, e.g. to re-check state that events may have missed. */
  onConnect?: (() => void) | undefined;
}

/** Server-sent events, resumed after drops. Iterate it with `for await`; break out to close it. */
export class EventStream implements AsyncIterable<Event> {
  readonly #client: AcademicAssist;
  readonly #params: EventStreamParams;
  /** The id of the last event received; a reconnect resumes after it. */
  lastEventId: string | undefined;

  constructor(client: AcademicAssist, params: EventStreamParams) {
    this.#client = client;
    this.#params = params;
    this.lastEventId = params.after;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Event> {
    const { signal, projectId } = this.#params;
    const maxReconnects = this.#params.maxReconnects ?? 5;
    const idleTimeout = this.#params.idleTimeout ?? 45_000;
    let reconnectDelay = 1000;
    let failures = 0;
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      let response: Response;
      try {
        response = await this.#client.requestResponse({
          endpoint: endpoints["events.stream"],
          query: { projectId, after: this.lastEventId },
          accept: "text/event-stream",
          options: {
            signal,
            maxRetries: 0,
            headers: this.lastEventId !== undefined ? { "Last-Event-ID": this.lastEventId } : {},
          },
        });
      } catch (err) {
        if (signal?.aborted) throw abortReason(signal);
        if (err instanceof ApiError && !isTransient(err.status)) throw err;
        if (++failures > maxReconnects) throw err;
        const wait =
          err instanceof ApiError
            ? retryDelay(err.headers, failures - 1)
            : Math.max(reconnectDelay, backoffDelay(failures - 1));
        await sleep(wait, signal);
        continue;
      }
      failures = 0;
      const type = response.headers.get("content-type") ?? "";
      if (!type.includes("text/event-stream") || !response.body) {
        await response.body?.cancel();
        throw new AcademicAssistError(
          `Expected an event stream from ${this.#client.baseURL} but got "${type}". If this host's fetch cannot stream, use events.list({ wait }) instead.`,
        );
      }
      this.#params.onConnect?.();
      try {
        for await (const item of readSSE(response.body, { lastEventId: this.lastEventId, idleTimeout })) {
          if (item.kind === "retry") reconnectDelay = item.ms;
          if (item.kind !== "message") continue;
          if (item.lastEventId !== undefined) this.lastEventId = item.lastEventId;
          const event = this.#parse(item.data);
          if (event) yield event;
        }
      } catch {
        if (signal?.aborted) throw abortReason(signal);
        // Otherwise the connection dropped or went silent: reopen it below, resuming after lastEventId.
      }
      await sleep(reconnectDelay, signal);
    }
  }

  #parse(data: string): Event | null {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return null;
    }
    if (typeof json !== "object" || json === null) return null;
    return this.#client.validate(Event, json, "/events");
  }
}

function isTransient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Job and document progress, as a live stream or by long-poll. */
export class Events extends APIResource {
  /**
   * Live events over SSE. The stream reconnects after drops with `Last-Event-ID`, so no event is
   * missed; it only ends when `signal` aborts or the server refuses the connection (e.g. 401).
   * Hosts whose `fetch` cannot stream (Obsidian's `requestUrl`) use {@link Events.list} instead.
   */
  stream(params: EventStreamParams = {}): EventStream {
    return new EventStream(this._client, params);
  }

  /**
   * Events after `after` as JSON. With `wait` (seconds, ≤ 30) the server holds the request until
   * the first event arrives: a long-poll. Pass the answer's `lastEventId` as the next `after`.
   */
  list(params: EventListParams = {}, options?: RequestOptions): Promise<EventList> {
    const waitMs = (params.wait ?? 0) * 1000;
    return this._client.request(
      {
        endpoint: endpoints["events.stream"],
        query: { ...params },
        options: { ...options, timeout: (options?.timeout ?? this._client.timeout) + waitMs },
      },
      EventList,
    );
  }
}
