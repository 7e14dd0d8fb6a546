import {
  APIConnectionError,
  APITimeoutError,
  ApiError,
  AuthenticationError,
  NotFoundError,
  PermissionDeniedError,
  ProcessingFailedError,
} from "@academic-assist/sdk";
import { UnsafePathError } from "@academic-assist/sdk/writeback";

/** Not signed in to the configured server (no token stored and no local server found). */
export class NotSignedInError extends Error {
  override name = "NotSignedInError";
  constructor(readonly serverUrl: string) {
    super(`Not signed in to ${serverUrl}.`);
  }
}

/** The notes folder cannot be used: outside the workspace, or reached through a symlink leading out. */
export class NotesFolderError extends Error {
  override name = "NotesFolderError";
}

/** What went wrong, for a notification: the message and which actions make sense. */
export interface ErrorReport {
  /**
   * `auth`: sign in (again). `offline`: the server cannot be reached. `cancelled`: the user stopped
   * it (show nothing). `unsafe`: a write was refused. `failed`: anything else.
   */
  kind: "auth" | "offline" | "cancelled" | "unsafe" | "failed";
  message: string;
  /** Whether "Retry" could help. */
  retryable: boolean;
}

export interface ErrorContext {
  serverUrl: string;
  /** The error came from a sign-in attempt: a 401 there means wrong credentials, not an expired session. */
  signingIn?: "password" | "token" | undefined;
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || err.name === "CanceledError");
}

/** Turns any error into words a researcher understands. Never includes a token. */
export function describeError(err: unknown, ctx: ErrorContext): ErrorReport {
  if (isAbort(err)) return { kind: "cancelled", message: "Cancelled.", retryable: false };
  if (err instanceof NotSignedInError) {
    return {
      kind: "auth",
      message: `You are not signed in to Academic Assist at ${ctx.serverUrl}. Sign in to continue.`,
      retryable: false,
    };
  }
  if (err instanceof AuthenticationError) {
    if (ctx.signingIn === "password") {
      return {
        kind: "auth",
        message: `Sign-in failed: wrong email or password for ${ctx.serverUrl}.`,
        retryable: false,
      };
    }
    return ctx.signingIn === "token"
      ? {
          kind: "auth",
          message: `Sign-in failed: ${ctx.serverUrl} does not accept this API token (wrong, expired or revoked).`,
          retryable: false,
        }
      : {
          kind: "auth",
          message: `Your Academic Assist session for ${ctx.serverUrl} has expired or was revoked. Sign in again.`,
          retryable: false,
        };
  }
  if (err instanceof APITimeoutError) {
    return {
      kind: "offline",
      message: `The Academic Assist server at ${ctx.serverUrl} did not answer in time.`,
      retryable: true,
    };
  }
  if (err instanceof APIConnectionError) {
    return {
      kind: "offline",
      message: `Cannot reach the Academic Assist server at ${ctx.serverUrl}. Is it running? (Start it with \`npm start\`, or check the academic-assist.serverUrl setting.)`,
      retryable: true,
    };
  }
  if (err instanceof ProcessingFailedError) {
    const what = err.kind === "document" ? "Processing the PDF" : "Generating the note";
    return { kind: "failed", message: `${what} failed: ${err.detail} (${err.code})`, retryable: true };
  }
  if (err instanceof PermissionDeniedError || err instanceof NotFoundError) {
    return { kind: "failed", message: `${err.detail} (${err.code ?? err.status})`, retryable: false };
  }
  if (err instanceof ApiError) {
    const retryable = err.status >= 500 || err.status === 409 || err.status === 429 || err.status === 408;
    const id = err.requestId ? `, request ${err.requestId}` : "";
    return { kind: "failed", message: `${err.detail} (${err.code ?? err.status}${id})`, retryable };
  }
  if (err instanceof UnsafePathError || err instanceof NotesFolderError) {
    return { kind: "unsafe", message: err.message, retryable: false };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind: "failed", message, retryable: true };
}
