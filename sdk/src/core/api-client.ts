import type { z } from "zod";
import type { Endpoint } from "../contract/index.ts";
import {
  AcademicAssistError,
  APIConnectionError,
  ApiError,
  APITimeoutError,
  ResponseValidationError,
} from "./errors.ts";
import { abortReason, backoffDelay, linkedAbortController, sleep } from "./utils.ts";

/** The `fetch` the client calls: the global one, or a host's (Obsidian passes a `requestUrl`-based one). */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** The server's origin, e.g. `http://127.0.0.1:8000`. The client appends `/api/v1`. */
  baseURL: string;
  /** A personal API token or a JWT from `auth.login`, sent as `Authorization: Bearer`. Omit for `auth.login`/`auth.register`. */
  apiKey?: string | null | undefined;
  /** The `fetch` to use; defaults to `globalThis.fetch`. */
  fetch?: Fetch | undefined;
  /** Milliseconds an attempt may take before it is abandoned (and retried). Default 60 000. */
  timeout?: number | undefined;
  /** How often a failed idempotent request is retried. Default 2. */
  maxRetries?: number | undefined;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string> | undefined;
  /**
   * What to do when a successful response does not match the contract: `lenient` (default) returns it
   * as it came, so an older SDK keeps working against a newer server; `strict` throws
   * `ResponseValidationError`.
   */
  validation?: "lenient" | "strict" | undefined;
}

/** Options every method accepts as its last argument. */
export interface RequestOptions {
  /** Cancels the request (and any retry wait); the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's `timeout` for this request (ms, per attempt). */
  timeout?: number | undefined;
  /** Overrides the client's `maxRetries` for this request. */
  maxRetries?: number | undefined;
  /** Extra headers for this request. */
  headers?: Record<string, string> | undefined;
  /**
   * Sent as `Idempotency-Key` on the endpoints that honour it (their contract says
   * `idempotency: "key"`), which otherwise get a random one per call; reuse one key to make your own
   * retries of one action safe. Ignored elsewhere.
   */
  idempotencyKey?: string | undefined;
}

export type QueryValue = string | number | boolean | null | undefined;

/** One call, as the resources describe it. */
export interface APIRequest {
  endpoint: Pick<Endpoint, "method" | "path" | "idempotency">;
  params?: Record<string, string>;
  query?: Record<string, QueryValue>;
  /** A JSON body. */
  body?: unknown;
  /** A raw body (uploads). `replayable: false` for one-shot streams, which are never retried. */
  rawBody?: { body: BodyInit; contentType: string; replayable: boolean };
  accept?: string;
  options?: RequestOptions | undefined;
}

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
/** Connection failures that happen before a request is sent: retrying cannot make it act twice. */
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
const MAX_RETRY_AFTER_MS = 60_000;

/** HTTP plumbing shared by the resources: URLs, auth, timeouts, retries, error mapping, validation. */
export class APIClient {
  readonly baseURL: string;
  readonly apiKey: string | null;
  readonly timeout: number;
  readonly maxRetries: number;
  readonly validation: "lenient" | "strict";
  protected readonly options: ClientOptions;
  readonly #fetch: Fetch;
  readonly #defaultHeaders: Record<string, string>;

  constructor(options: ClientOptions) {
    if (!options.baseURL) throw new AcademicAssistError("AcademicAssist: `baseURL` is required.");
    this.options = options;
    this.baseURL = options.baseURL.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
    this.apiKey = options.apiKey ?? null;
    this.timeout = options.timeout ?? 60_000;
    this.maxRetries = options.maxRetries ?? 2;
    this.validation = options.validation ?? "lenient";
    this.#defaultHeaders = options.defaultHeaders ?? {};
    const f = options.fetch;
    this.#fetch = f ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The absolute URL of an endpoint. */
  buildURL(req: Pick<APIRequest, "endpoint" | "params" | "query">): string {
    const path = req.endpoint.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const value = req.params?.[name];
      if (value === undefined || value === "") {
        throw new AcademicAssistError(`Missing path parameter \`${name}\` for ${req.endpoint.path}.`);
      }
      return encodeURIComponent(value);
    });
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value === undefined || value === null) continue;
      search.append(key, String(value));
    }
    const qs = search.toString();
    return `${this.baseURL}/api/v1${path}${qs ? `?${qs}` : ""}`;
  }

  /** Sends the request and parses its JSON answer with `schema`. 204 answers resolve to `undefined`. */
  async request<S extends z.ZodType>(req: APIRequest, schema: S): Promise<z.output<S>> {
    const text = await this.#execute(
      req,
      async (response) => (response.status === 204 ? "" : response.text()),
      true,
    );
    if (text === "") return undefined as z.output<S>;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new AcademicAssistError(`Invalid JSON in the response to ${req.endpoint.path}.`, { cause });
    }
    return this.validate(schema, json, req.endpoint.path);
  }

  /** Sends a request whose answer has no body (204). */
  async requestVoid(req: APIRequest): Promise<void> {
    await this.#execute(req, async (response) => response.body?.cancel(), true);
  }

  /**
   * Sends the request and hands back the successful `Response` unread, for downloads and streams.
   * The timeout covers only the wait for the headers; the signal still cancels the body.
   */
  requestResponse(req: APIRequest): Promise<Response> {
    return this.#execute(req, async (response) => response, false);
  }

  /** Parses `data` with `schema`; see `ClientOptions.validation` for what happens when it does not fit. */
  validate<S extends z.ZodType>(schema: S, data: unknown, where: string): z.output<S> {
    const result = schema.safeParse(data);
    if (result.success) return result.data;
    if (this.validation === "strict") {
      throw new ResponseValidationError(
        `The response to ${where} does not match the API contract: ${result.error.message}`,
        result.error.issues,
      );
    }
    return data as z.output<S>;
  }

  #headers(req: APIRequest): Headers {
    const headers = new Headers({ Accept: req.accept ?? "application/json" });
    if (this.apiKey) headers.set("Authorization", `Bearer ${this.apiKey}`);
    for (const [k, v] of Object.entries(this.#defaultHeaders)) headers.set(k, v);
    if (req.rawBody) headers.set("Content-Type", req.rawBody.contentType);
    else if (req.body !== undefined) headers.set("Content-Type", "application/json");
    for (const [k, v] of Object.entries(req.options?.headers ?? {})) headers.set(k, v);
    // Only the endpoints that honour a key get one: elsewhere it would promise a safety it lacks.
    if (req.endpoint.idempotency === "key") {
      headers.set("Idempotency-Key", req.options?.idempotencyKey ?? globalThis.crypto.randomUUID());
    } else {
      headers.delete("Idempotency-Key");
    }
    return headers;
  }

  async #execute<R>(
    req: APIRequest,
    read: (response: Response) => Promise<R>,
    readWithinTimeout: boolean,
  ): Promise<R> {
    const method = req.endpoint.method.toUpperCase();
    const url = this.buildURL(req);
    const headers = this.#headers(req);
    const signal = req.options?.signal;
    const timeout = req.options?.timeout ?? this.timeout;
    const maxRetries =
      req.rawBody && !req.rawBody.replayable ? 0 : (req.options?.maxRetries ?? this.maxRetries);
    // Repeating it cannot act twice: by method, by the server's replay of the key, or by nature. A
    // request that is none of these is retried only when it cannot have been acted on.
    const repeatable = IDEMPOTENT_METHODS.has(method) || req.endpoint.idempotency !== undefined;
    const body = req.rawBody
      ? req.rawBody.body
      : req.body !== undefined
        ? JSON.stringify(req.body)
        : undefined;

    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw abortReason(signal);
      const { controller, dispose } = linkedAbortController(signal);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new APITimeoutError());
      }, timeout);
      const canRetry = attempt < maxRetries;

      let response: Response;
      try {
        const init: RequestInit & { duplex?: "half" } = { method, headers, signal: controller.signal };
        if (body !== undefined) init.body = body;
        // Streamed request bodies require half duplex in fetch (undici rejects them otherwise).
        if (body instanceof ReadableStream) init.duplex = "half";
        response = await this.#fetch(url, init);
      } catch (cause) {
        clearTimeout(timer);
        dispose();
        if (signal?.aborted) throw abortReason(signal);
        const error = timedOut
          ? new APITimeoutError(`Request timed out after ${timeout} ms: ${method} ${url}`, { cause })
          : new APIConnectionError(`Could not connect to ${this.baseURL}: ${describeCause(cause)}`, {
              cause,
            });
        if (!canRetry || !(repeatable || (!timedOut && neverSent(cause)))) throw error;
        await sleep(backoffDelay(attempt), signal);
        continue;
      }

      if (!response.ok) {
        let text = "";
        try {
          text = await response.text();
        } catch {
          // The status says enough; a body we cannot read must not hide it.
        }
        clearTimeout(timer);
        dispose();
        if (canRetry && shouldRetry(response) && (repeatable || notActedOn(response))) {
          await sleep(retryDelay(response.headers, attempt), signal);
          continue;
        }
        throw ApiError.fromResponse(response.status, response.headers, text);
      }

      if (!readWithinTimeout) {
        clearTimeout(timer);
        return read(response);
      }
      try {
        return await read(response);
      } catch (cause) {
        if (signal?.aborted) throw abortReason(signal);
        const error = timedOut
          ? new APITimeoutError(`Request timed out after ${timeout} ms: ${method} ${url}`, { cause })
          : new APIConnectionError(`The connection to ${this.baseURL} broke: ${describeCause(cause)}`, {
              cause,
            });
        if (!canRetry || !repeatable) throw error;
      } finally {
        clearTimeout(timer);
        dispose();
      }
      await sleep(backoffDelay(attempt), signal);
    }
  }
}

/** Whether a failed `fetch` never reached the server (refused, unresolvable): safe to send again. */
function neverSent(cause: unknown): boolean {
  const inner = cause instanceof Error ? cause.cause : undefined;
  const code = (inner ?? cause) as { code?: unknown } | null | undefined;
  return typeof code?.code === "string" && NEVER_SENT.has(code.code);
}

/**
 * Answers that say the server did not act on the request: it was refused before any work (408,
 * 429) or nothing it needed was up (503; the server writes nothing partially). A request that is
 * not repeatable is retried on these only.
 */
function notActedOn(response: Response): boolean {
  return response.status === 408 || response.status === 429 || response.status === 503;
}

function shouldRetry(response: Response): boolean {
  const hint = response.headers.get("x-should-retry");
  if (hint === "true") return true;
  if (hint === "false") return false;
  const { status } = response;
  // 409 is usually a real conflict (email taken, document not ready); only a server that says when
  // to come back (Retry-After, e.g. an idempotent request still in flight) makes it worth retrying.
  if (status === 409) return response.headers.has("retry-after") || response.headers.has("retry-after-ms");
  return status === 408 || status === 429 || status >= 500;
}

/** Milliseconds to wait before the next attempt: the server's `retry-after-ms`/`Retry-After`, else backoff. */
export function retryDelay(headers: Headers, attempt: number, now = Date.now()): number {
  let ms: number | undefined;
  const afterMs = headers.get("retry-after-ms");
  if (afterMs !== null && afterMs.trim() !== "" && Number.isFinite(Number(afterMs))) ms = Number(afterMs);
  const after = headers.get("retry-after");
  if (ms === undefined && after !== null) {
    const seconds = Number(after);
    if (after.trim() !== "" && Number.isFinite(seconds)) ms = seconds * 1000;
    else {
      const date = Date.parse(after);
      if (!Number.isNaN(date)) ms = date - now;
    }
  }
  if (ms !== undefined && ms >= 0 && ms <= MAX_RETRY_AFTER_MS) return ms;
  return backoffDelay(attempt);
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner: unknown = cause.cause;
  // undici reports "fetch failed" and hides the useful part (ECONNREFUSED …) in `cause`.
  if (inner instanceof Error) {
    const code = (inner as Error & { code?: unknown }).code;
    return typeof code === "string" ? `${cause.message} (${code})` : `${cause.message} (${inner.message})`;
  }
  return cause.message;
}
