import type { Fetch } from "@academic-assist/sdk";
import type { RequestUrlParam, RequestUrlResponse } from "obsidian";

/** Obsidian's `requestUrl`, as the adapter needs it (injectable for tests). */
export type RequestUrl = (request: RequestUrlParam) => Promise<RequestUrlResponse>;

/** Statuses whose `Response` may not carry a body (the constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A `fetch` for the SDK built on Obsidian's `requestUrl`, which works on mobile and is not subject
 * to CORS. Its limits, and how they are met:
 * - it returns the whole body at once and cannot stream: events are read by long-poll
 *   (`events.list({ wait })`, `waitUntilDone({ events: "long-poll" })`), never SSE;
 * - it cannot be aborted: an aborted request rejects at once with the signal's reason (so the SDK's
 *   timeouts and cancellation work) and its late answer is dropped;
 * - it throws on status >= 400 unless `throw: false`: we always pass `throw: false` so the SDK
 *   sees the status and the problem+json body and maps them to its error classes;
 * - a request that gets no answer at all rejects with a `TypeError`, like `fetch`.
 */
export function requestUrlFetch(requestUrl: RequestUrl): Fetch {
  return async (input, init) => {
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const param: RequestUrlParam = {
      url: input,
      method: init.method ?? "GET",
      headers,
      throw: false,
    };
    const contentType = headers["content-type"];
    if (contentType !== undefined) param.contentType = contentType;
    const body = await toRequestBody(init.body);
    if (body !== undefined) param.body = body;

    const answer = requestUrl(param).then(
      (response) => toResponse(response),
      (cause: unknown) => {
        throw new TypeError(`Network request failed: ${describe(cause)}`, { cause });
      },
    );
    if (!signal) return answer;
    return new Promise<Response>((resolve, reject) => {
      const onAbort = () => {
        reject(signal.reason as Error);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      answer.then(resolve, reject).finally(() => {
        signal.removeEventListener("abort", onAbort);
      });
    });
  };
}

async function toRequestBody(body: RequestInit["body"]): Promise<string | ArrayBuffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof ArrayBuffer) return body;
  if (ArrayBuffer.isView(body)) {
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice().buffer;
  }
  if (body instanceof Blob) return body.arrayBuffer();
  if (body instanceof URLSearchParams) return body.toString();
  // ReadableStream and FormData have no requestUrl equivalent; the plugin never sends them.
  throw new TypeError("requestUrl cannot send this kind of body (streams and FormData are not supported).");
}

function toResponse(response: RequestUrlResponse): Response {
  const headers = new Headers();
  for (const [key, value] of Object.entries(response.headers)) {
    try {
      headers.append(key, value);
    } catch {
      // A header value fetch would reject (non-Latin-1) is not one the SDK reads.
    }
  }
  const status = response.status;
  const body = NULL_BODY_STATUSES.has(status) ? null : response.arrayBuffer;
  return new Response(body, { status, headers });
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
