import type { ErrorCode, FieldError, Problem } from "../contract/index.ts";

/** Base class of every error the SDK throws, so callers can catch them all with one `instanceof`. */
export class AcademicAssistError extends Error {
  override name = "AcademicAssistError";
}

/** A code from the contract's `ERROR_CODES`, or one a newer server added that this SDK does not know yet. */
export type ApiErrorCode = ErrorCode | (string & {});

/**
 * The server answered with an error status. `code` is stable (switch on it, never on `message`);
 * `requestId` identifies the request in the server's logs.
 */
export class ApiError extends AcademicAssistError {
  override name = "ApiError";
  /** HTTP status. */
  readonly status: number;
  /** The problem's stable `code`, or null when the body was not a problem (e.g. a proxy's HTML page). */
  readonly code: ApiErrorCode | null;
  /** Human-readable explanation from the server. */
  readonly detail: string;
  /** The `x-request-id` response header (or the problem's `requestId`). */
  readonly requestId: string | null;
  /** Field-level problems of a `validation_failed` answer. */
  readonly errors: FieldError[];
  /** Response headers. */
  readonly headers: Headers;
  /** The parsed problem document, when the body was one. */
  readonly problem: Partial<Problem> | null;

  constructor(init: {
    status: number;
    code: ApiErrorCode | null;
    detail: string;
    title?: string | undefined;
    requestId: string | null;
    errors?: FieldError[] | undefined;
    headers: Headers;
    problem: Partial<Problem> | null;
  }) {
    super(
      `${init.status} ${init.code ?? init.title ?? "error"}: ${init.detail}` +
        (init.requestId ? ` (request id ${init.requestId})` : ""),
    );
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.requestId = init.requestId;
    this.errors = init.errors ?? [];
    this.headers = init.headers;
    this.problem = init.problem;
  }

  /** Builds the subclass that matches `status` from a response's status, headers and body text. */
  static fromResponse(status: number, headers: Headers, bodyText: string): ApiError {
    const problem = parseProblem(bodyText);
    const init = {
      status,
      code: problem?.code ?? null,
      title: problem?.title,
      detail: problem?.detail ?? (bodyText.trim().slice(0, 500) || `HTTP ${status}`),
      requestId: headers.get("x-request-id") ?? problem?.requestId ?? null,
      errors: problem?.errors,
      headers,
      problem,
    };
    const Class = errorClassFor(status);
    return new Class(init);
  }
}

export class BadRequestError extends ApiError {
  override name = "BadRequestError";
}
export class AuthenticationError extends ApiError {
  override name = "AuthenticationError";
}
export class PermissionDeniedError extends ApiError {
  override name = "PermissionDeniedError";
}
export class NotFoundError extends ApiError {
  override name = "NotFoundError";
}
export class ConflictError extends ApiError {
  override name = "ConflictError";
}
export class PayloadTooLargeError extends ApiError {
  override name = "PayloadTooLargeError";
}
export class UnsupportedMediaTypeError extends ApiError {
  override name = "UnsupportedMediaTypeError";
}
export class UnprocessableEntityError extends ApiError {
  override name = "UnprocessableEntityError";
}
export class RateLimitError extends ApiError {
  override name = "RateLimitError";
}
export class InternalServerError extends ApiError {
  override name = "InternalServerError";
}

function errorClassFor(status: number): typeof ApiError {
  switch (status) {
    case 400:
      return BadRequestError;
    case 401:
      return AuthenticationError;
    case 403:
      return PermissionDeniedError;
    case 404:
      return NotFoundError;
    case 409:
      return ConflictError;
    case 413:
      return PayloadTooLargeError;
    case 415:
      return UnsupportedMediaTypeError;
    case 422:
      return UnprocessableEntityError;
    case 429:
      return RateLimitError;
    default:
      return status >= 500 ? InternalServerError : ApiError;
  }
}

/** The request never got an HTTP answer: DNS failure, connection refused or reset, TLS failure. */
export class APIConnectionError extends AcademicAssistError {
  override name = "APIConnectionError";
  constructor(message = "Connection error.", options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No answer within the request's `timeout` (after retries). */
export class APITimeoutError extends APIConnectionError {
  override name = "APITimeoutError";
  constructor(message = "Request timed out.", options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A 2xx answer whose body does not match the contract (only thrown with `validation: "strict"`). */
export class ResponseValidationError extends AcademicAssistError {
  override name = "ResponseValidationError";
  constructor(
    message: string,
    readonly issues: readonly { path: readonly PropertyKey[]; message: string }[],
  ) {
    super(message);
  }
}

/** A document's processing or a note's generation ended in `failed` (thrown by `waitUntilDone`). */
export class ProcessingFailedError extends AcademicAssistError {
  override name = "ProcessingFailedError";
  constructor(
    /** What failed: `document` or `note`. */
    readonly kind: "document" | "note",
    /** Its id. */
    readonly id: string,
    /** The job's error code, e.g. `password_required`, `pdf_corrupt`. */
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${kind} ${id} failed: ${code}: ${detail}`);
  }
}

/** Reads whatever problem fields are present and well-typed; never throws on odd bodies. */
function parseProblem(text: string): Partial<Problem> | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === "string" ? o[k] : undefined);
  const out: Partial<Problem> = {};
  const type = str("type");
  if (type !== undefined) out.type = type;
  const title = str("title");
  if (title !== undefined) out.title = title;
  if (typeof o.status === "number") out.status = o.status;
  const detail = str("detail") ?? str("message");
  if (detail !== undefined) out.detail = detail;
  const code = str("code");
  if (code !== undefined) out.code = code as ErrorCode;
  const requestId = str("requestId");
  if (requestId !== undefined) out.requestId = requestId;
  const instance = str("instance");
  if (instance !== undefined) out.instance = instance;
  if (Array.isArray(o.errors)) {
    out.errors = o.errors.flatMap((e: unknown) => {
      if (typeof e !== "object" || e === null) return [];
      const r = e as Record<string, unknown>;
      const position = (v: unknown) =>
        typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined;
      const line = position(r.line);
      const column = position(r.column);
      return [
        {
          path: typeof r.path === "string" ? r.path : "",
          message: typeof r.message === "string" ? r.message : "",
          // Problems inside a text field (a template skeleton) say where they are.
          ...(line !== undefined ? { line } : {}),
          ...(column !== undefined ? { column } : {}),
        },
      ];
    });
  }
  return Object.keys(out).length > 0 ? out : null;
}
