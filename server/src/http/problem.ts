import { AppError, isAppError, type Logger } from "@academic-assist/core";
import {
  ERROR_CODES,
  PROBLEM_CONTENT_TYPE,
  problemType,
  type ErrorCode,
  type Problem,
} from "@academic-assist/sdk/contract";
import type { ErrorRequestHandler, Request, Response } from "express";
import { ZodError } from "zod";

const TITLES: Record<ErrorCode, string> = {
  validation_failed: "Invalid request",
  invalid_json: "Malformed JSON",
  upload_incomplete: "Upload incomplete",
  unauthorized: "Authentication required",
  token_expired: "Token expired",
  invalid_credentials: "Wrong email or password",
  forbidden: "Not allowed",
  not_found: "Not found",
  conflict: "Conflict",
  email_taken: "Email already registered",
  idempotency_conflict: "Idempotency key reused",
  payload_too_large: "Upload too large",
  unsupported_media_type: "Unsupported file type",
  too_many_pages: "Too many pages",
  password_required: "Password required",
  pdf_corrupt: "Unreadable PDF",
  rate_limited: "Too many requests",
  internal: "Internal error",
  service_unavailable: "Service unavailable",
  extraction_timeout: "Extraction timed out",
  budget_exceeded: "Monthly LLM budget exceeded",
  llm_refused: "The language model declined",
  precondition_required: "Precondition required",
  llm_misconfigured: "Language model misconfigured",
  llm_unavailable: "Language model unavailable",
  llm_invalid_output: "Language model answered in the wrong format",
};

/** Zod issues as field errors, with the part of the request they came from (`body.name`, `query.limit`). */
export function fieldErrors(error: ZodError, where: string): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join("."), message: i.message }));
}

export function sendProblem(req: Request, res: Response, error: AppError): void {
  const body: Problem = {
    type: problemType(error.code),
    title: TITLES[error.code],
    status: error.status,
    detail: error.detail,
    code: error.code,
    instance: req.originalUrl.split("?")[0] ?? req.originalUrl,
    requestId: req.id as string,
    ...(error.fieldErrors ? { errors: error.fieldErrors } : {}),
  };
  if (res.headersSent) {
    res.end();
    return;
  }
  // The client is gone (an upload it cut off): there is nobody to answer.
  if (res.destroyed || req.socket.destroyed) return;
  if (error.status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="academic-assist"');
  if (error.status === 413) res.setHeader("Connection", "close");
  res.status(error.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

interface HttpErrorLike {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
}

/** Turns anything thrown into problem+json; unknown errors become a 500 that reveals nothing. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof ZodError)
    return new AppError("validation_failed", "The request is invalid.", {
      fieldErrors: fieldErrors(err, "body"),
    });
  const e = (err ?? {}) as HttpErrorLike;
  if (e.type === "entity.parse.failed")
    return new AppError("invalid_json", "The request body is not valid JSON.");
  if (e.type === "entity.too.large")
    return new AppError("payload_too_large", "The JSON body is larger than allowed.");
  if (e.type === "encoding.unsupported" || e.type === "charset.unsupported")
    return new AppError("validation_failed", "The body's encoding or charset is not supported.");
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500 && e.expose) {
    const code = (Object.entries(ERROR_CODES).find(([, s]) => s === status)?.[0] ??
      "validation_failed") as ErrorCode;
    return new AppError(code, err instanceof Error ? err.message : "Bad request.");
  }
  return new AppError(
    "internal",
    "Something went wrong on our side. Quote the request id when reporting it.",
    { cause: err },
  );
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const appError = toAppError(err);
    if (appError.status >= 500) {
      logger.error({ err: appError.cause ?? err, requestId: req.id, path: req.path }, "request failed");
    }
    sendProblem(req, res, appError);
  };
}
