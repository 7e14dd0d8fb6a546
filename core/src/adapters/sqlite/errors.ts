import { AppError, unavailable } from "../../errors/app-error.ts";

/** The SQLite result code of a driver error (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`…), or null. */
export function sqliteCode(error: unknown): string | null {
  if (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    typeof error.code === "string" &&
    error.code.startsWith("SQLITE_")
  ) {
    return error.code;
  }
  return null;
}

const TRANSIENT = [
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_IOERR",
  "SQLITE_FULL",
  "SQLITE_CANTOPEN",
  "SQLITE_READONLY",
  "SQLITE_PROTOCOL",
];

/**
 * Runs `fn`, turning storage-level SQLite failures (locked too long, disk full, file gone) into
 * AppError `service_unavailable`. AppErrors and programming errors pass through unchanged.
 */
export function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = sqliteCode(error);
    if (code !== null && TRANSIENT.some((prefix) => code.startsWith(prefix))) throw unavailable(what, error);
    if (error instanceof TypeError && error.message.includes("database connection is not open"))
      throw unavailable(what, error);
    throw error;
  }
}

/** JSON text of a column back into its value (the column was written by this adapter). */
export function parseJson(text: string): unknown {
  return JSON.parse(text);
}

/** JSON text of a nullable column back into its value. */
export function parseJsonOrNull(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

/** Nullable value as JSON text for a column. */
export function toJsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
