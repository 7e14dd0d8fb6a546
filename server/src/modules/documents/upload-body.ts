import type { Readable } from "node:stream";
import { AppError, isAppError } from "@academic-assist/core";
import busboy from "busboy";
import type { Request } from "express";

/** What a multipart body may carry besides the file: boundaries, part headers, a few small fields. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** The uploaded file as it streams in. */
export interface UploadFile {
  /** The file's bytes; fails with the upload's AppError (`upload_incomplete`, …) when the body goes wrong. */
  source: AsyncIterable<Uint8Array>;
  /** The multipart part's file name (decoded as UTF-8), not yet cleaned; undefined for a raw body. */
  filename: string | undefined;
}

/** The client went away, or the connection broke, before the whole body arrived. */
export const interrupted = (cause?: unknown) =>
  new AppError("upload_incomplete", "The upload was interrupted before the whole file arrived.", { cause });

/** A busboy error as the client's problem: a body cut short, or a malformed form. */
function formProblem(error: Error): AppError {
  if (isAppError(error)) return error;
  if (/^Unexpected end of (form|file)$/.test(error.message)) {
    return new AppError(
      "upload_incomplete",
      "The multipart body ended before its closing boundary: the upload is incomplete.",
    );
  }
  return new AppError("validation_failed", `Malformed multipart request: ${error.message}.`);
}

/**
 * The body of one upload request — the raw body, or the `file` part of a `multipart/form-data`
 * form — as one byte stream that can fail but never crash the process or hang.
 *
 * Every stream involved (the request, busboy, the file part) has its error listener from the moment
 * it exists: the request's when this object is made, which the service does before its first
 * `await`. Whatever goes wrong — the client hangs up (before or while the body is read), the body
 * ends before the multipart closing boundary, the form is malformed, the body outgrows its limit —
 * becomes one AppError, and the file stream the blob store is reading fails with it, so the store
 * removes its temp file and the request settles. {@link abandon} stops reading: the rest of the body
 * is drained (up to the size limit) so a keep-alive connection stays usable, or the connection is
 * closed if the client keeps sending.
 */
export class UploadBody {
  private failure: AppError | null = null;
  private started = false;
  private form: busboy.Busboy | null = null;
  private file: Readable | null = null;
  private onFailure: ((error: AppError) => void)[] = [];
  private formClosed: Promise<void> | null = null;

  readonly multipart: boolean;

  constructor(
    private readonly req: Request,
    private readonly options: {
      /** `multipart/form-data` (the `file` part is the upload), else the raw body is. */
      multipart: boolean;
      /** Most bytes the whole body may have (file plus multipart overhead); more fails with 413. */
      maxBodyBytes: number;
      /** The 413 to fail with. */
      tooLarge: () => AppError;
    },
  ) {
    this.multipart = options.multipart;
    req.on("error", () => {
      this.fail(interrupted());
    });
    req.once("close", () => {
      if (!req.complete) this.fail(interrupted());
    });
    // The client may have gone already, while the request was being authenticated.
    if ((req.destroyed || req.socket.destroyed) && !req.complete) this.fail(interrupted());
  }

  /** Why the body failed, or null. */
  get error(): AppError | null {
    return this.failure;
  }

  /** Starts reading: the raw body at once, or the form until its `file` part begins. */
  async open(): Promise<UploadFile> {
    this.throwIfFailed();
    this.started = true;
    if (!this.multipart) return { source: this.read(this.req), filename: undefined };

    let form: busboy.Busboy;
    try {
      form = busboy({
        headers: this.req.headers,
        // RFC 7578: a part's `filename` is UTF-8; busboy's default would read it as latin1.
        defParamCharset: "utf8",
        limits: { files: 1, fields: 10, fieldSize: 4096, parts: 20 },
      });
    } catch (e) {
      throw new AppError("validation_failed", `Malformed multipart request: ${(e as Error).message}.`);
    }
    this.form = form;
    const part = new Promise<UploadFile>((resolve, reject) => {
      this.onFailure.push(reject);
      form.on("file", (name, stream, info) => {
        stream.on("error", (e: Error) => {
          this.fail(formProblem(e));
        });
        if (name !== "file" || this.file) {
          stream.resume(); // not ours: drain it
          return;
        }
        this.file = stream;
        resolve({ source: this.read(stream), filename: info.filename });
      });
    });
    part.catch(() => undefined);
    this.formClosed = new Promise<void>((resolve, reject) => {
      this.onFailure.push(reject);
      form.on("close", () => {
        if (!this.file)
          this.fail(new AppError("validation_failed", "The multipart request has no `file` part."));
        else resolve();
      });
    });
    this.formClosed.catch(() => undefined);
    form.on("error", (e: Error) => {
      this.fail(formProblem(e));
    });
    let seen = 0;
    this.req.on("data", (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > this.options.maxBodyBytes) this.fail(this.options.tooLarge());
    });
    this.req.pipe(form);
    return part;
  }

  /**
   * Multipart: resolves once the whole form has arrived, up to its closing boundary (a file part
   * can be complete while the body is still cut short after it). A raw body is complete when its
   * stream ended, so this resolves at once.
   */
  async complete(): Promise<void> {
    this.throwIfFailed();
    if (this.formClosed) await this.formClosed;
  }

  /**
   * Stops reading after a failure (ours or the caller's: 415, 413, a duplicate…): the form parser is
   * dropped and the rest of the body is read and thrown away, so the answer can go out on a
   * connection that stays usable; if the client sends more than the size limit, the connection
   * is closed instead. A body that was never started is left to Node, which does the same.
   */
  abandon(reason: AppError = interrupted()): void {
    this.fail(reason);
    if (!this.started || this.req.complete || this.req.destroyed) return;
    let drained = 0;
    this.req.on("data", (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > this.options.maxBodyBytes) this.req.socket.destroy();
    });
    this.req.resume();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private fail(error: AppError): void {
    if (this.failure) return;
    this.failure = error;
    for (const reject of this.onFailure) reject(error);
    this.onFailure = [];
    // The blob store reading the file stream sees this error and removes its temp file.
    this.file?.destroy(error);
    if (this.form) {
      this.req.unpipe(this.form);
      this.form.destroy(error);
    }
  }

  /**
   * The stream's bytes; any failure surfaces as the body's AppError. A consumer that stops early
   * (415, 413) does not destroy the stream here — destroying the request would cut the connection
   * before the answer is written; {@link abandon} decides what happens to the rest.
   */
  private async *read(stream: Readable): AsyncGenerator<Uint8Array> {
    try {
      this.throwIfFailed();
      for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
        this.throwIfFailed();
        yield chunk as Uint8Array;
      }
      this.throwIfFailed();
    } catch (e) {
      if (!this.failure) this.fail(isAppError(e) ? e : interrupted(e));
      throw this.failure ?? e;
    }
  }
}
