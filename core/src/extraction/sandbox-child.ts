/**
 * Entry point of the extraction child process (see `extractDocument`). Serves requests over IPC one
 * at a time — reports progress, sends back the result or the error — and stays warm for the next;
 * the parent recycles it after a number of documents or when its heap grows, and kills it on a
 * timeout. Exits when the parent goes away. Never run directly.
 */
import { AppError, isAppError } from "../errors/app-error.ts";
import { extractImageInProcess, extractPdfInProcess } from "./extract-in-process.ts";
import type { ChildMessage, ParentMessage } from "./sandbox-protocol.ts";

/*
 * pdf.js 5 inflates content streams and font files through the global `DecompressionStream` when
 * there is one. In Node that is zlib behind web-stream adapters and the thread pool: per stream,
 * the adapter objects cost more than the inflating, and the extraction waits for the pool (about a
 * tenth of a paper's extraction time idle, measured on the corpus). Without the global, pdf.js
 * inflates synchronously in JavaScript, its long-standing path (browsers without the API). This
 * process runs nothing else that uses it; other processes keep it.
 */
delete (globalThis as { DecompressionStream?: unknown }).DecompressionStream;

const send = (msg: ChildMessage): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send) {
      resolve();
      return;
    }
    process.send(msg, undefined, {}, () => {
      resolve();
    });
  });

const heapUsedMb = () => Math.round(process.memoryUsage().heapUsed / 1048576);

process.on("disconnect", () => process.exit(0));

process.on("message", (raw: unknown) => {
  const msg = raw as ParentMessage;
  const id = msg.id;
  void (async () => {
    try {
      const onProgress = (done: number, total: number, stage: "extracting" | "ocr") =>
        void send({ type: "progress", id, done, total, stage });
      let document;
      if (msg.mediaType === "application/pdf") {
        document = await extractPdfInProcess(msg.bytes, {
          maxPages: msg.maxPages,
          ...(msg.ocr ? { ocr: msg.ocr } : {}),
          onProgress,
        });
      } else if (msg.ocr) {
        document = await extractImageInProcess(msg.bytes, { ocr: msg.ocr, onProgress });
      } else {
        throw new AppError("unsupported_media_type", "Images can only be read with OCR enabled.", {
          unrecoverable: true,
        });
      }
      await send({ type: "result", id, document, heapUsedMb: heapUsedMb() });
    } catch (e) {
      const error = isAppError(e)
        ? { code: e.code, detail: e.detail, unrecoverable: e.unrecoverable }
        : {
            code: "pdf_corrupt" as const,
            detail: `The file is not a readable PDF: ${e instanceof Error ? e.message : String(e)}`,
            unrecoverable: true,
          };
      await send({ type: "error", id, error, heapUsedMb: heapUsedMb() });
    }
  })();
});

// Loading the extractor (pdf.js, through tsx) takes a while on a busy machine; the parent starts
// the extraction clock only once the child is ready.
void send({ type: "ready" });
