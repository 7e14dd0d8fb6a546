import { createHash } from "node:crypto";
import { AppError } from "@academic-assist/core";
import type { MediaType } from "@academic-assist/sdk/contract";

/** How many leading bytes decide the file type (a PDF header may sit a little after the start). */
const SNIFF_BYTES = 1024;

/** The media type the bytes really are, or null. The declared Content-Type is never trusted. */
export function sniffMediaType(head: Uint8Array): MediaType | null {
  const b = head;
  if (
    b.length >= 8 &&
    b[0] === 0x89 &&
    b[1] === 0x50 &&
    b[2] === 0x4e &&
    b[3] === 0x47 &&
    b[4] === 0x0d &&
    b[5] === 0x0a &&
    b[6] === 0x1a &&
    b[7] === 0x0a
  )
    return "image/png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (
    b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0x00) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0x00 && b[3] === 0x2a))
  )
    return "image/tiff";
  // "%PDF-" within the first kilobyte, as readers accept (some files carry junk before it).
  const text = new TextDecoder("latin1").decode(b.subarray(0, SNIFF_BYTES));
  if (text.includes("%PDF-")) return "application/pdf";
  return null;
}

/** How much of the previous chunk is kept so a `/Count` split across chunks is still seen. */
const PAGE_COUNT_CARRY = 4096;

/**
 * The largest `/Count` of a `/Type /Pages` dictionary visible in plain text (the root's is the
 * page count), or 0. Object streams can hide it; the worker checks the real count in any case.
 */
export function sniffPageCount(text: string): number {
  let max = 0;
  for (const m of text.matchAll(/\/Count\s+(\d{1,9})/g)) {
    const at = m.index;
    // The object the /Count is in: from its "N 0 obj" to its "endobj" (nested dictionaries and
    // long /Kids arrays may sit between /Type and /Count).
    const start = Math.max(text.lastIndexOf("obj", at), at - PAGE_COUNT_CARRY, 0);
    const endAt = text.indexOf("endobj", at);
    const dict = text.slice(
      start,
      endAt === -1 ? at + PAGE_COUNT_CARRY : Math.min(endAt, at + PAGE_COUNT_CARRY),
    );
    if (/\/Type\s*\/Pages(?![A-Za-z])/.test(dict)) max = Math.max(max, Number(m[1]));
  }
  return max;
}

export interface UploadInspection {
  mediaType(): MediaType;
  size(): number;
  sha256(): string;
}

/**
 * Wraps an upload stream: sniffs its type from the first kilobyte (415 when not PDF/PNG/JPEG/TIFF),
 * counts bytes (413 as soon as the limit is passed, so nothing larger is ever stored), and hashes.
 * The blob store consumes the returned iterable; any error thrown here makes it discard the blob.
 */
export function inspectUpload(
  source: AsyncIterable<Uint8Array>,
  options: { maxBytes: number; expectedBytes?: number | undefined; maxPages?: number },
): { stream: AsyncIterable<Uint8Array>; result: UploadInspection } {
  const hash = createHash("sha256");
  let size = 0;
  let media: MediaType | null = null;
  let done = false;
  let digest: string | null = null;
  const tooLarge = () =>
    new AppError(
      "payload_too_large",
      `The file is larger than the limit of ${Math.round(options.maxBytes / 1048576)} MB.`,
    );
  const unsupported = () =>
    new AppError(
      "unsupported_media_type",
      "The file is not a PDF, PNG, JPEG or TIFF (its content was checked, not its name).",
    );

  // A PDF that declares more pages than allowed is refused while it streams: nothing is stored.
  let carry = "";
  const checkPages = (chunk: Uint8Array) => {
    if (media !== "application/pdf" || options.maxPages === undefined) return;
    const text = carry + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
    const pages = sniffPageCount(text);
    if (pages > options.maxPages) {
      throw new AppError("too_many_pages", `The PDF has ${pages} pages; the limit is ${options.maxPages}.`);
    }
    carry = text.slice(-PAGE_COUNT_CARRY);
  };

  async function* run(): AsyncGenerator<Uint8Array> {
    const head: Uint8Array[] = [];
    let headBytes = 0;
    for await (const raw of source) {
      const chunk = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
      size += chunk.byteLength;
      if (size > options.maxBytes) throw tooLarge();
      hash.update(chunk);
      if (media === null) {
        head.push(chunk);
        headBytes += chunk.byteLength;
        if (headBytes < SNIFF_BYTES) continue;
        media = sniffMediaType(Buffer.concat(head));
        if (!media) throw unsupported();
        checkPages(Buffer.concat(head));
        for (const h of head) yield h;
        head.length = 0;
        continue;
      }
      checkPages(chunk);
      yield chunk;
    }
    if (media === null) {
      media = sniffMediaType(Buffer.concat(head));
      if (!media)
        throw size === 0 ? new AppError("validation_failed", "The upload is empty.") : unsupported();
      checkPages(Buffer.concat(head));
      for (const h of head) yield h;
    }
    if (options.expectedBytes !== undefined && size !== options.expectedBytes) {
      throw new AppError(
        "upload_incomplete",
        `The upload ended after ${size} of ${options.expectedBytes} bytes.`,
      );
    }
    done = true;
  }

  return {
    stream: run(),
    result: {
      mediaType: () => {
        if (!done || !media) throw new Error("upload not finished");
        return media;
      },
      size: () => size,
      sha256: () => (digest ??= hash.digest("hex")),
    },
  };
}
