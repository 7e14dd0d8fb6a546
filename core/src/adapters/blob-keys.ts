import { badRequest } from "../errors/app-error.ts";

const KEY_PATTERN = /^[a-z0-9][a-z0-9/_.-]*$/;
const MAX_KEY_LENGTH = 1024;

/**
 * Checks a blob key as every BlobStore adapter must: keys are made by the server
 * (`documents/<id>/original`), never from a file name, so anything else is refused with AppError
 * `validation_failed` — lowercase letters, digits and `/ _ . -`, no `..`, no empty or hidden
 * (dot-first) segment, no leading or trailing slash, at most 1024 characters.
 */
export function assertBlobKey(key: string): void {
  const valid =
    typeof key === "string" &&
    key.length <= MAX_KEY_LENGTH &&
    KEY_PATTERN.test(key) &&
    !key.includes("..") &&
    !key.includes("//") &&
    !key.endsWith("/") &&
    !key.split("/").some((segment) => segment.startsWith("."));
  if (!valid) {
    throw badRequest(
      `Invalid blob key ${JSON.stringify(key)}: use lowercase letters, digits and / _ . - without "..".`,
      [{ path: "key", message: "invalid blob key" }],
    );
  }
}

/** Checks a byte range of `BlobStore.get` (non-negative integers, `end` inclusive and not before `start`). */
export function assertByteRange(range: { start: number; end?: number }): void {
  const validStart = Number.isSafeInteger(range.start) && range.start >= 0;
  const validEnd = range.end === undefined || (Number.isSafeInteger(range.end) && range.end >= range.start);
  if (!validStart || !validEnd) throw badRequest(`Invalid byte range ${range.start}-${range.end ?? ""}.`);
}
