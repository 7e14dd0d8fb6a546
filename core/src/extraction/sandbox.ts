import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AppError, unrecoverable } from "../errors/app-error.ts";
import type { ExtractionStage, OcrOptions } from "./extract-in-process.ts";
import type { ChildMessage, ParentMessage } from "./sandbox-protocol.ts";
import type { ExtractedDocument } from "./types.ts";

/** Options of {@link extractDocument}. */
export interface ExtractDocumentOptions {
  /** Documents with more pages fail with `too_many_pages`. */
  maxPages: number;
  /**
   * The child is killed after this long and the extraction fails with `extraction_timeout`.
   * Counted from when the child is ready (process start-up is bounded separately).
   */
  timeoutMs: number;
  /** V8 heap limit of the child (`--max-old-space-size`). */
  maxMemoryMb: number;
  /** `application/pdf` (the default) or an image type, read with OCR as one page. */
  mediaType?: string;
  /** Read pages without a usable text layer (and images) with OCR; off when absent. */
  ocr?: OcrOptions;
  /** Called after each page with the pages done and the total of the stage. */
  onProgress?: (done: number, total: number, stage: ExtractionStage) => void;
  /** Aborting kills the child; the extraction fails with `extraction_timeout`. */
  signal?: AbortSignal;
}

const CHILD_ENTRY = fileURLToPath(new URL("./sandbox-child.ts", import.meta.url));
// Resolved here, not by the child, so that `--import` works whatever the current directory is.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const STDERR_KEEP = 4096;
/** A child that cannot even load the extractor in this time is broken, not the PDF. */
const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Extracts a PDF in a child process, so that a hostile or broken file can neither hang nor
 * exhaust the caller: the child has a heap limit and is killed (SIGKILL) at the timeout or on
 * abort. Errors raised in the child arrive as the same `AppError`s.
 *
 * OCR (tesseract threads) runs in the same child, so the timeout and the kill cover it too.
 *
 * @throws AppError `password_required`, `pdf_corrupt`, `too_many_pages`, `extraction_timeout`,
 *   `payload_too_large` (pixel limit), `unsupported_media_type` (all unrecoverable).
 */
export function extractDocument(bytes: Uint8Array, opts: ExtractDocumentOptions): Promise<ExtractedDocument> {
  return new Promise<ExtractedDocument>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(unrecoverable("extraction_timeout", "Extraction was cancelled before it started."));
      return;
    }
    const child = fork(CHILD_ENTRY, [], {
      execArgv: [
        "--import",
        TSX_LOADER,
        `--max-old-space-size=${Math.max(16, Math.floor(opts.maxMemoryMb))}`,
      ],
      serialization: "advanced",
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let settled = false;
    let stderr = "";
    let killedFor: AppError | null = null;

    const finish = (err: AppError | null, doc?: ExtractedDocument) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      if (err) reject(err);
      else resolve(doc!);
    };
    const kill = (err: AppError) => {
      killedFor = err;
      child.kill("SIGKILL");
      finish(err);
    };
    const onAbort = () => {
      kill(unrecoverable("extraction_timeout", "Extraction was cancelled and its process stopped."));
    };
    let timer = setTimeout(() => {
      kill(
        new AppError(
          "service_unavailable",
          `The extraction process did not start within ${formatMs(STARTUP_TIMEOUT_MS)}.`,
        ),
      );
    }, STARTUP_TIMEOUT_MS);
    const start = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        kill(
          unrecoverable(
            "extraction_timeout",
            `Extraction did not finish within ${formatMs(opts.timeoutMs)} and was stopped.`,
          ),
        );
      }, opts.timeoutMs);
      const request: ParentMessage = {
        type: "extract",
        bytes,
        mediaType: opts.mediaType ?? "application/pdf",
        maxPages: opts.maxPages,
        ...(opts.ocr ? { ocr: opts.ocr } : {}),
      };
      child.send(request, (e) => {
        if (e)
          finish(
            new AppError("internal", `The extraction process could not be reached: ${e.message}`, {
              cause: e,
            }),
          );
      });
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_KEEP);
    });
    child.on("message", (raw: unknown) => {
      const msg = raw as ChildMessage;
      switch (msg.type) {
        case "ready":
          start();
          break;
        case "progress":
          opts.onProgress?.(msg.done, msg.total, msg.stage);
          break;
        case "result":
          finish(null, msg.document);
          break;
        case "error":
          finish(new AppError(msg.error.code, msg.error.detail, { unrecoverable: msg.error.unrecoverable }));
          break;
      }
    });
    child.on("error", (e) => {
      finish(
        new AppError("internal", `The extraction process could not be started: ${e.message}`, { cause: e }),
      );
    });
    child.on("exit", (code, signal) => {
      if (settled) return;
      if (killedFor) {
        finish(killedFor);
        return;
      }
      finish(unrecoverable("pdf_corrupt", crashReason(code, signal, stderr, opts.maxMemoryMb)));
    });
  });
}

function crashReason(
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: string,
  maxMemoryMb: number,
): string {
  if (
    /heap out of memory|allocation failed|invalid array length|out of memory/i.test(stderr) ||
    signal === "SIGABRT" ||
    code === 134
  ) {
    return `The PDF could not be processed: reading it needed more than the ${maxMemoryMb} MB memory limit.`;
  }
  const how = signal ? `was killed by ${signal}` : `exited with code ${code ?? "unknown"}`;
  return `The PDF could not be processed: the extraction process ${how} before finishing.`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
