import { ERROR_CODES, type ErrorCode } from "@academic-assist/sdk/contract";

/** One problem with one input field; `line`/`column` locate it inside a text field (1-based). */
export interface FieldProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/**
 * The one error type of the backend. Adapters translate driver errors into these at their edge; the
 * server renders them as problem+json, the worker records them on the job.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  /** In the worker: retrying cannot fix this (encrypted PDF, over limits, missing input). */
  readonly unrecoverable: boolean;
  readonly fieldErrors?: FieldProblem[];

  constructor(
    code: ErrorCode,
    detail: string,
    options: {
      cause?: unknown;
      unrecoverable?: boolean;
      status?: number;
      fieldErrors?: FieldProblem[];
    } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code];
    this.detail = detail;
    this.unrecoverable = options.unrecoverable ?? false;
    if (options.fieldErrors) this.fieldErrors = options.fieldErrors;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const notFound = (what: string, id?: string) =>
  new AppError("not_found", id ? `No ${what} with id ${id}.` : `No such ${what}.`);
export const forbidden = (detail: string) => new AppError("forbidden", detail);
export const conflict = (detail: string) => new AppError("conflict", detail);
export const unauthorized = (
  detail = "Sign in, or send a valid API token as `Authorization: Bearer <token>`.",
) => new AppError("unauthorized", detail);
export const badRequest = (detail: string, fieldErrors?: { path: string; message: string }[]) =>
  new AppError("validation_failed", detail, fieldErrors ? { fieldErrors } : {});
export const unavailable = (what: string, cause?: unknown) =>
  new AppError("service_unavailable", `${what} is unavailable; try again shortly.`, { cause });
/** A failure no retry can fix: the job fails at once. */
export const unrecoverable = (code: ErrorCode, detail: string, cause?: unknown) =>
  new AppError(code, detail, { cause, unrecoverable: true });
