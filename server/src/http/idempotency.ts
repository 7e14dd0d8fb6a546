import { createHash } from "node:crypto";
import { AppError, nowIso, type IdempotencyRepository, type Logger } from "@academic-assist/core";
import { IdempotencyKey, type Endpoint } from "@academic-assist/sdk/contract";
import type { Request, Response } from "express";

/** A handler's answer, as `register` sends it (`null`: the handler wrote the response itself). */
export type IdempotentResult = { status: number; body?: unknown; headers?: Record<string, string> } | null;

/**
 * How long a claimed key may stay without an answer before a request with it may run again: the
 * process that claimed it died. Longer than any request takes (an ask streams for a few minutes).
 */
export const CLAIM_STALE_MS = 15 * 60_000;

/** The header on a replayed answer. */
export const REPLAYED_HEADER = "Idempotent-Replayed";
/** Marks a stored answer the handler streamed itself (SSE, a file): it cannot be replayed. */
const STREAMED = "x-academic-assist-streamed";

/** The stored key: scoped per endpoint, so that one key sent to two endpoints never mixes answers. */
export const idempotencyScope = (endpointId: string, key: string): string => `${endpointId} ${key}`;

/** What the key was first used for: method, URL (path ids, query) and the JSON body as sent. */
function requestHash(req: Request): string {
  return createHash("sha256")
    .update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`)
    .digest("hex");
}

const isSuccess = (status: number) => status >= 200 && status < 300;

/**
 * Runs `run` at most once per (user, endpoint, `Idempotency-Key`), for the endpoints whose contract
 * says `idempotency: "key"` (`register` calls this for them; nothing opts in per route):
 * - no key: runs as usual;
 * - a new key: claimed, then run; a 2xx answer is stored with its status, body and headers, any
 *   other outcome releases the claim (nothing was done, so a retry may run it again);
 * - the same key and request again: the stored answer, with `Idempotent-Replayed: true`;
 * - the same key while its first request still runs: 409 `idempotency_conflict` with `Retry-After`
 *   (the SDK waits and retries, then gets the replay); a claim left by a process that died is taken
 *   over after `CLAIM_STALE_MS`;
 * - the same key for a different request (method, URL or body): 409 `idempotency_conflict`.
 */
export async function runIdempotent(
  store: IdempotencyRepository,
  logger: Logger,
  endpoint: Endpoint,
  userId: string,
  req: Request,
  res: Response,
  run: () => Promise<IdempotentResult>,
): Promise<IdempotentResult> {
  const header = req.get("idempotency-key");
  if (header === undefined) return run();
  const parsed = IdempotencyKey.safeParse(header);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "is not valid";
    throw new AppError("validation_failed", `headers.Idempotency-Key: ${message}`, {
      fieldErrors: [{ path: "headers.Idempotency-Key", message }],
    });
  }
  const key = idempotencyScope(endpoint.id, parsed.data);
  const hash = requestHash(req);
  const staleBefore = new Date(Date.now() - CLAIM_STALE_MS).toISOString();
  const existing = await store.claim(userId, key, hash, nowIso(), staleBefore);
  if (existing) {
    if (!existing.response) {
      res.setHeader("Retry-After", "1");
      throw new AppError(
        "idempotency_conflict",
        "The first request with this Idempotency-Key is still running; retry shortly for its answer.",
      );
    }
    if (existing.requestHash !== hash) {
      throw new AppError(
        "idempotency_conflict",
        "This Idempotency-Key was already used for a different request; send a new key for a new action.",
      );
    }
    const { status, body, headers } = existing.response;
    if (headers[STREAMED]) {
      throw new AppError(
        "idempotency_conflict",
        "The first request with this Idempotency-Key was answered as a stream, which cannot be replayed; read what it made instead.",
      );
    }
    return {
      status,
      body: status === 204 ? undefined : body,
      headers: { ...headers, [REPLAYED_HEADER]: "true" },
    };
  }

  let result: IdempotentResult;
  try {
    result = await run();
  } catch (err) {
    await release(store, logger, userId, key);
    throw err;
  }
  const status = result?.status ?? res.statusCode;
  if (!isSuccess(status)) {
    await release(store, logger, userId, key);
    return result;
  }
  const answer = result
    ? { status, body: result.body ?? null, headers: result.headers ?? {} }
    : { status, body: null, headers: { [STREAMED]: "true" } };
  try {
    await store.complete(userId, key, answer);
  } catch (err) {
    // The action is done and its answer goes out; only a retry's replay is lost (it gets a 409
    // until the claim goes stale).
    logger.warn({ err, endpoint: endpoint.id }, "could not store an idempotent answer");
  }
  return result;
}

async function release(store: IdempotencyRepository, logger: Logger, userId: string, key: string) {
  try {
    await store.release(userId, key);
  } catch (err) {
    logger.warn({ err }, "could not release an idempotency claim");
  }
}
