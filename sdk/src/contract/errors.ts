import { z } from "zod";

/**
 * Stable, machine-readable error codes. Clients switch on these, never on `title` or `detail`.
 * A code, once shipped, keeps its meaning forever; add new ones at the end of a group.
 */
export const ERROR_CODES = {
  // 400
  validation_failed: 400,
  invalid_json: 400,
  upload_incomplete: 400,
  // 401
  unauthorized: 401,
  token_expired: 401,
  invalid_credentials: 401,
  // 402
  /** The user's monthly LLM budget (LLM_MONTHLY_BUDGET_USD) would be exceeded by this job. */
  budget_exceeded: 402,
  // 403 (only where the caller can see the object but may not change it)
  forbidden: 403,
  // 404
  not_found: 404,
  // 409
  conflict: 409,
  email_taken: 409,
  idempotency_conflict: 409,
  // 413 / 415 / 422 / 428
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_pages: 422,
  password_required: 422,
  pdf_corrupt: 422,
  /** The LLM provider declined to answer (refusal, content filter, request it will not serve). */
  llm_refused: 422,
  /** The request must be conditional: send `If-Match` with the resource's ETag (optimistic concurrency). */
  precondition_required: 428,
  // 429
  rate_limited: 429,
  // 5xx
  internal: 500,
  service_unavailable: 503,
  extraction_timeout: 504,
  /** The LLM provider rejected our configuration: missing or wrong API key, unknown model. */
  llm_misconfigured: 502,
  /** The LLM provider did not answer usably after the allowed retries (rate limit, 5xx, timeout, cut stream). */
  llm_unavailable: 503,
  /** The LLM answered, but not in the structure asked for, even after one repair attempt. */
  llm_invalid_output: 502,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** One problem with one input field, as reported by a 400 `validation_failed`. */
export const FieldError = z
  .object({
    /** Where the bad value is: `body.name`, `query.limit`, `params.projectId`. */
    path: z.string(),
    message: z.string(),
    /** For problems inside a text field (a template skeleton): 1-based line of the problem. */
    line: z.number().int().positive().optional(),
    /** For problems inside a text field: 1-based column (UTF-16 code units) where it starts. */
    column: z.number().int().positive().optional(),
  })
  .meta({ id: "FieldError" });
export type FieldError = z.infer<typeof FieldError>;

/** RFC 9457 problem details, as every error response body (`application/problem+json`). */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: ErrorCodeSchema,
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(FieldError).optional(),
  })
  .meta({ id: "Problem" });
export type Problem = z.infer<typeof Problem>;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The `type` URI of a problem with the given code. */
export function problemType(code: ErrorCode): string {
  return `https://academic-assist.dev/problems/${code.replaceAll("_", "-")}`;
}
