import type { Endpoint } from "./endpoints.ts";

/**
 * Why an endpoint can answer each error status. The derived ones follow from the endpoint's shape,
 * so a new endpoint gets them without listing anything; `errors` adds what only its own logic says.
 * `server/src/http/statuses.test.ts` sends every registered route the request that provokes each of
 * them, and requires a proof for every status in `errors`: nothing listed is noise.
 */
export const ERROR_STATUS_REASONS = {
  400: "Invalid request: a path, query, header or body value the contract refuses, or malformed JSON (problem+json names the field)",
  401: "Missing, expired or invalid credentials",
  402: "Over the monthly LLM budget",
  403: "Your role in the project does not allow this",
  404: "Not found, or not yours",
  409: "Conflict",
  413: "Body larger than the limit",
  415: "Unsupported Content-Type (or, for uploads, bytes that are not PDF/PNG/JPEG/TIFF)",
  422: "The input cannot be processed",
  428: "The request must be conditional (send If-Match)",
  429: "Too many requests (see Retry-After)",
  500: "Unexpected error (quote the requestId)",
  502: "The language model provider answered unusably",
  503: "A store or provider this request needs is unavailable; retry later",
} as const;

/**
 * Every error status `e` can answer, ascending:
 * - 400 when it takes any input (path, query, headers, body, `Idempotency-Key`);
 * - 401 when it needs authentication; 404 when it names objects in its path (someone else's answer
 *   404 too);
 * - 413 and 415 when it takes a body (JSON over the server's limit, which fits every valid body;
 *   a body that is not JSON; uploads over the limit or of an unsupported type);
 * - 409 `idempotency_conflict` when it honours `Idempotency-Key` (a key reused for another request,
 *   or its first request still in flight);
 * - 500 and 503 everywhere: every endpoint authenticates or reads a store, and any of them can fail.
 */
export function errorStatuses(e: Endpoint): number[] {
  const statuses = new Set<number>(e.errors ?? []);
  const hasBody = e.body !== undefined || e.rawBody !== undefined;
  const keyed = e.idempotency === "key";
  if (e.params || e.query || e.headers || hasBody || keyed) statuses.add(400);
  if (e.auth) statuses.add(401);
  if (e.auth && e.params) statuses.add(404);
  if (hasBody) {
    statuses.add(413);
    statuses.add(415);
  }
  if (keyed) statuses.add(409);
  statuses.add(500);
  statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

/** The statuses `errorStatuses` derives for `e` (those it does not take from `e.errors`). */
export function derivedErrorStatuses(e: Endpoint): number[] {
  return errorStatuses({ ...e, errors: [] });
}
