import { fork, type ChildProcess } from "node:child_process";
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

/** A warm child serves at most this many documents before it is replaced. */
const MAX_JOBS_PER_CHILD = 100;
/** …and is replaced early when its heap passes this share of its limit after a document. */
const MAX_HEAP_SHARE = 0.5;
/** An idle child is stopped after this long without work. */
const IDLE_MS = 30_000;

interface Child {
  proc: ChildProcess;
  memoryMb: number;
  ready: Promise<void>;
  jobs: number;
  stderr: string;
  idleTimer: NodeJS.Timeout | null;
}

const idle: Child[] = [];
let nextId = 1;
let spawned = 0;

/** How many extraction children this process has started (for tests and metrics). */
export function sandboxStats(): { spawned: number; idle: number } {
  return { spawned, idle: idle.length };
}

function spawnChild(memoryMb: number): Child {
  const proc = fork(CHILD_ENTRY, [], {
    execArgv: ["--import", TSX_LOADER, `--max-old-space-size=${memoryMb}`],
    serialization: "advanced",
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  spawned++;
  const child: Child = { proc, memoryMb, jobs: 0, stderr: "", idleTimer: null, ready: Promise.resolve() };
  child.ready = new Promise<void>((resolve, reject) => {
    const onMessage = (raw: unknown) => {
      if ((raw as ChildMessage).type === "ready") {
        proc.off("message", onMessage);
        resolve();
      }
    };
    proc.on("message", onMessage);
    proc.once("exit", () => {
      reject(new Error("exited before it was ready"));
    });
    proc.once("error", reject);
  });
  child.ready.catch(() => undefined);
  proc.stderr?.on("data", (chunk: Buffer) => {
    child.stderr = (child.stderr + chunk.toString("utf8")).slice(-STDERR_KEEP);
  });
  proc.once("exit", () => {
    const i = idle.indexOf(child);
    if (i >= 0) idle.splice(i, 1);
  });
  return child;
}

/** A ready-or-starting child with this heap limit: a warm idle one when there is one. */
function acquire(memoryMb: number): Child {
  const i = idle.findIndex(
    (c) => c.memoryMb === memoryMb && c.proc.exitCode === null && c.proc.signalCode === null,
  );
  if (i >= 0) {
    const child = idle.splice(i, 1)[0]!;
    if (child.idleTimer) clearTimeout(child.idleTimer);
    child.idleTimer = null;
    child.proc.ref();
    child.proc.channel?.ref();
    return child;
  }
  return spawnChild(memoryMb);
}

/** Back to the idle list, or stopped when it has done enough or grown too big. */
function release(child: Child, heapUsedMb: number): void {
  if (child.jobs >= MAX_JOBS_PER_CHILD || heapUsedMb > child.memoryMb * MAX_HEAP_SHARE) {
    child.proc.kill("SIGKILL");
    return;
  }
  // An idle child never keeps the caller's process alive.
  child.proc.unref();
  child.proc.channel?.unref();
  child.idleTimer = setTimeout(() => child.proc.kill("SIGKILL"), IDLE_MS);
  child.idleTimer.unref();
  idle.push(child);
}

/**
 * Starts extraction children ahead of work, so that the first documents do not wait for Node, tsx
 * and pdf.js to load (1–3 s each): up to `count` idle children with this heap limit. They are
 * stopped like any idle child after a while without work. Resolves when they are ready (a child
 * that fails to start is dropped; the next extraction starts its own).
 */
export async function prewarmExtraction(count: number, maxMemoryMb: number): Promise<void> {
  const memoryMb = Math.max(16, Math.floor(maxMemoryMb));
  const have = idle.filter((c) => c.memoryMb === memoryMb).length;
  const starting = Array.from({ length: Math.max(0, count - have) }, () => spawnChild(memoryMb));
  await Promise.all(
    starting.map((child) =>
      child.ready.then(
        () => release(child, 0),
        () => child.proc.kill("SIGKILL"),
      ),
    ),
  );
}

/**
 * Extracts a PDF in a child process, so that a hostile or broken file can neither hang nor
 * exhaust the caller: the child has a heap limit and is killed (SIGKILL) at the timeout or on
 * abort. Errors raised in the child arrive as the same `AppError`s.
 *
 * Children stay warm between documents (starting one — Node, tsx, pdf.js — costs 1–3 s, more than
 * extracting a short paper); one is replaced after {@link MAX_JOBS_PER_CHILD} documents, when its
 * heap grows past half its limit, and always after a timeout, an abort or a crash.
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
    const child = acquire(Math.max(16, Math.floor(opts.maxMemoryMb)));
    const { proc } = child;
    const id = nextId++;
    child.jobs++;
    child.stderr = "";
    let settled = false;
    let killedFor: AppError | null = null;

    const finish = (err: AppError | null, doc?: ExtractedDocument, heapUsedMb?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      proc.off("message", onMessage);
      proc.off("exit", onExit);
      proc.off("error", onError);
      if (heapUsedMb !== undefined && proc.exitCode === null && proc.signalCode === null)
        release(child, heapUsedMb);
      else if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      if (err) reject(err);
      else resolve(doc!);
    };
    const kill = (err: AppError) => {
      killedFor = err;
      proc.kill("SIGKILL");
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
      if (settled) return;
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
        id,
        bytes,
        mediaType: opts.mediaType ?? "application/pdf",
        maxPages: opts.maxPages,
        ...(opts.ocr ? { ocr: opts.ocr } : {}),
      };
      proc.send(request, (e) => {
        if (e)
          finish(
            new AppError("internal", `The extraction process could not be reached: ${e.message}`, {
              cause: e,
            }),
          );
      });
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    const onMessage = (raw: unknown) => {
      const msg = raw as ChildMessage;
      if (msg.type === "ready" || msg.id !== id) return;
      switch (msg.type) {
        case "progress":
          opts.onProgress?.(msg.done, msg.total, msg.stage);
          break;
        case "result":
          finish(null, msg.document, msg.heapUsedMb);
          break;
        case "error":
          finish(
            new AppError(msg.error.code, msg.error.detail, { unrecoverable: msg.error.unrecoverable }),
            undefined,
            msg.heapUsedMb,
          );
          break;
      }
    };
    const onError = (e: Error) => {
      finish(
        new AppError("internal", `The extraction process could not be started: ${e.message}`, { cause: e }),
      );
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      if (killedFor) {
        finish(killedFor);
        return;
      }
      finish(unrecoverable("pdf_corrupt", crashReason(code, signal, child.stderr, opts.maxMemoryMb)));
    };
    proc.on("message", onMessage);
    proc.on("exit", onExit);
    proc.on("error", onError);
    child.ready.then(start, () => undefined);
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
