import type { Readable } from "node:stream";
import {
  AppError,
  newId,
  nowIso,
  type Access,
  type AppContext,
  type DocumentRecord,
  type JobRecord,
} from "@academic-assist/core";
import type { Request } from "express";
import busboy from "busboy";
import { inspectUpload } from "./upload-stream.ts";

const EMPTY_METADATA = { title: null, authors: [], abstract: null, doi: null, year: null, language: null };

/** Display names only: control characters and path parts removed; never used to build a path. */
export function cleanFilename(name: string | undefined): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";

  const cleaned = base
    .normalize("NFC")
    .replace(/\p{Cc}/gu, "")
    .trim()
    .slice(0, 255);
  return cleaned || "document";
}

/** The file part of a multipart request, as a stream, without buffering it. */
function multipartFile(req: Request): Promise<{ stream: Readable; filename: string | undefined }> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: 10, fieldSize: 4096 } });
    } catch (e) {
      reject(new AppError("validation_failed", `Malformed multipart request: ${(e as Error).message}`));
      return;
    }
    let found = false;
    bb.on("file", (name, stream, info) => {
      if (name !== "file" || found) {
        stream.resume();
        return;
      }
      found = true;
      resolve({ stream, filename: info.filename });
    });
    bb.on("error", (e: Error) => {
      reject(new AppError("validation_failed", `Malformed multipart request: ${e.message}`));
    });
    bb.on("close", () => {
      if (!found) reject(new AppError("validation_failed", "The multipart request has no `file` part."));
    });
    req.on("aborted", () => {
      reject(new AppError("upload_incomplete", "The upload was interrupted."));
    });
    req.pipe(bb);
  });
}

/** Upload intake: streamed to the blob store, checked, deduplicated, then processing is queued. */
export class DocumentService {
  constructor(
    private readonly app: AppContext,
    private readonly access: Access,
  ) {}

  async upload(
    userId: string,
    projectId: string,
    filenameParam: string | undefined,
    req: Request,
  ): Promise<{ document: DocumentRecord; job: JobRecord | null; duplicate: boolean }> {
    await this.access.project(userId, projectId, "editor");
    const maxBytes = this.app.config.MAX_UPLOAD_MB * 1024 * 1024;
    const declared = req.headers["content-length"] ? Number(req.headers["content-length"]) : undefined;
    const multipart = Boolean(req.is("multipart/form-data"));
    // Refuse before reading a byte when the declared size already says no.
    if (declared !== undefined && declared > maxBytes + (multipart ? 64 * 1024 : 0)) {
      throw new AppError(
        "payload_too_large",
        `The file is larger than the limit of ${this.app.config.MAX_UPLOAD_MB} MB.`,
      );
    }

    let source: AsyncIterable<Uint8Array>;
    let filename: string | undefined = filenameParam;
    let expectedBytes: number | undefined;
    if (multipart) {
      const part = await multipartFile(req);
      source = part.stream;
      filename = part.filename ?? filenameParam;
    } else {
      source = req;
      expectedBytes = declared;
    }

    const id = newId("doc");
    const blobKey = `documents/${id}/original`;
    const inspected = inspectUpload(source, { maxBytes, expectedBytes, maxPages: this.app.config.MAX_PAGES });
    try {
      await this.app.blobs.put(blobKey, inspected.stream);
    } catch (e) {
      if (e instanceof AppError) throw e;
      // A client that hangs up mid-upload surfaces as a stream error here.
      throw new AppError("upload_incomplete", "The upload was interrupted before the whole file arrived.", {
        cause: e,
      });
    }

    const at = nowIso();
    const mediaType = inspected.result.mediaType();
    let created: { document: DocumentRecord; created: boolean };
    try {
      created = await this.app.repos.documents.createOrGetBySha({
        id,
        projectId,
        filename: cleanFilename(filename),
        mediaType,
        byteSize: inspected.result.size(),
        sha256: inspected.result.sha256(),
        blobKey,
        status: "queued",
        progress: null,
        error: null,
        pageCount: null,
        metadata: { ...EMPTY_METADATA },
        createdBy: userId,
        createdAt: at,
        updatedAt: at,
      });
    } catch (e) {
      await this.app.blobs.delete(blobKey);
      throw e;
    }
    if (!created.created) {
      await this.app.blobs.delete(blobKey);
      return { document: created.document, job: null, duplicate: true };
    }
    try {
      const job = await this.app.queue.enqueue(
        "document_processing",
        { documentId: id },
        {
          idempotencyKey: `document_processing:${id}`,
          projectId,
          documentId: id,
          maxAttempts: this.app.config.JOB_MAX_ATTEMPTS,
        },
      );
      await this.app.events.publish({
        type: "document.status",
        projectId,
        documentId: id,
        jobId: job.id,
        noteId: null,
        data: { status: "queued" },
      });
      return { document: created.document, job, duplicate: false };
    } catch (e) {
      // No stuck document: without its job it would stay "queued" forever.
      await this.app.repos.documents.delete(id);
      await this.app.blobs.delete(blobKey);
      throw e;
    }
  }
}
