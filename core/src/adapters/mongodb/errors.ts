import { AppError, unavailable } from "../../errors/app-error.ts";

/** Driver and mongoose error names that mean "the database cannot be reached right now". */
const UNREACHABLE_NAMES = new Set([
  "MongoServerSelectionError",
  "MongooseServerSelectionError",
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoNotConnectedError",
  "MongoTopologyClosedError",
  "MongoPoolClearedError",
  "MongoServerClosedError",
  "MongoExpiredSessionError",
]);

/** Server error codes of a node that is shutting down or changing role (retry elsewhere, later). */
const UNAVAILABLE_CODES = new Set([
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * Node socket error codes. The driver does not always wrap them in a MongoNetworkError: a command
 * written to a pooled connection whose server end has just closed fails with a plain `Error`
 * (`EPIPE`, "This socket has been ended by the other party") from `socket.write`.
 */
const SOCKET_ERROR_CODES = new Set([
  "EPIPE",
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END",
]);

/** mongoose messages for operations on a connection that is closed or not yet open. */
const UNREACHABLE_MESSAGES = [
  /Connection was force closed/i,
  /Client must be connected/i,
  /buffering timed out/i,
  /before initial connection is complete/i,
  /Topology is closed/i,
];

interface DriverErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** True when `error` (or its cause chain) says the server is unreachable or unavailable. */
export function isUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const err = e as DriverErrorLike;
    if (typeof err.name === "string" && UNREACHABLE_NAMES.has(err.name)) return true;
    if (typeof err.code === "number" && UNAVAILABLE_CODES.has(err.code)) return true;
    if (typeof err.code === "string" && SOCKET_ERROR_CODES.has(err.code)) return true;
    if (typeof err.message === "string" && UNREACHABLE_MESSAGES.some((re) => re.test(err.message as string)))
      return true;
    e = err.cause;
  }
  return false;
}

/** True for a unique-index violation (E11000), also inside a bulk write. */
export function isDuplicateKey(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const err = error as { code?: unknown; writeErrors?: { code?: unknown }[] };
  if (err.code === 11000 || err.code === 11001) return true;
  return Array.isArray(err.writeErrors) && err.writeErrors.some((w) => w.code === 11000);
}

/**
 * A unique-index violation however the server reports it: E11000 (MongoDB; FerretDB on inserts),
 * or, for an `update` that breaks a unique index, FerretDB v1's InternalError (code 1) carrying its
 * backend's "UNIQUE constraint failed" message.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (isDuplicateKey(error)) return true;
  const err = error as { code?: unknown; message?: unknown } | null;
  return typeof err?.message === "string" && err.code === 1 && /UNIQUE constraint failed/i.test(err.message);
}

/**
 * Runs one repository operation with driver errors translated at this edge: an unreachable
 * database becomes AppError `service_unavailable` (HTTP 503); AppErrors and anything else pass
 * through unchanged (a programming error should surface as itself).
 */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (isUnreachable(error)) throw unavailable(what, error);
    throw error;
  }
}
