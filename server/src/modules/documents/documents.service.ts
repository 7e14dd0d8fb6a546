import {
  AppError,
  isAppError,
  newId,
  nowIso,
  type Access,
  type AppContext,
  type DocumentRecord,
  type JobRecord,
} from "@academic-assist/core";
import type { Request } from "express";
import { cleanFilename } from "./filename.ts";
import { interrupted, MULTIPART_OVERHEAD_BYTES, UploadBody } from "./upload-body.ts";
import { inspectUpload } from "./upload-stream.ts";

const EMPTY_METADATA = { title: null, authors: [], abstract: null, doi: null, year: null, language: null };

/** Upload intake: streamed to the blob store, checked, deduplicated, then processing is queued. */
export class DocumentService {
  /**
   * For /metrics: uploads not settled yet (a count that never goes down is a leak), and settled
   * ones by outcome (`stored`, `duplicate`, or the refusing error's code).
   */
  readonly uploads = { inProgress: 0, outcomes: new Map<string, number>() };

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
    const multipart = Boolean(req.is("multipart/form-data"));
    // Before the first await: a client that hangs up while access is checked must still end this
    // request, and no stream of it may ever be without an error listener.
    const body = new UploadBody(req, {
      multipart,
      maxBodyBytes: this.maxBytes() + (multipart ? MULTIPART_OVERHEAD_BYTES : 0),
      tooLarge: () => this.tooLarge(),
    });
    this.uploads.inProgress++;
    let outcome = "internal";
    try {
      const result = await this.receive(userId, projectId, filenameParam, req, body);
      outcome = result.duplicate ? "duplicate" : "stored";
      return result;
    } catch (e) {
      if (isAppError(e)) outcome = e.code;
      body.abandon(isAppError(e) ? e : undefined);
      throw e;
    } finally {
      this.uploads.inProgress--;
      this.uploads.outcomes.set(outcome, (this.uploads.outcomes.get(outcome) ?? 0) + 1);
    }
  }

  private maxBytes(): number {
    return this.app.config.MAX_UPLOAD_MB * 1024 * 1024;
  }

  private tooLarge(): AppError {
    return new AppError(
      "payload_too_large",
      `The file is larger than the limit of ${this.app.config.MAX_UPLOAD_MB} MB.`,
    );
  }

  private async receive(
    userId: string,
    projectId: string,
    filenameParam: string | undefined,
    req: Request,
    body: UploadBody,
  ): Promise<{ document: DocumentRecord; job: JobRecord | null; duplicate: boolean }> {
    await this.access.project(userId, projectId, "editor");
    const maxBytes = this.maxBytes();
    const declared = req.headers["content-length"] ? Number(req.headers["content-length"]) : undefined;
    // Refuse before reading a byte when the declared size already says no.
    if (declared !== undefined && declared > maxBytes + (body.multipart ? MULTIPART_OVERHEAD_BYTES : 0)) {
      throw this.tooLarge();
    }

    const file = await body.open();
    const filename = file.filename ?? filenameParam;
    const id = newId("doc");
    const blobKey = `documents/${id}/original`;
    const inspected = inspectUpload(file.source, {
      maxBytes,
      expectedBytes: body.multipart ? undefined : declared,
      maxPages: this.app.config.MAX_PAGES,
    });
    try {
      await this.app.blobs.put(blobKey, inspected.stream);
    } catch (e) {
      if (isAppError(e)) throw e;
      // A disk error is an AppError already; anything else is the body breaking off.
      throw body.error ?? interrupted(e);
    }
    try {
      // A multipart file part can be whole while the form around it is cut short.
      await body.complete();
    } catch (e) {
      await this.app.blobs.delete(blobKey);
      throw e;
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
