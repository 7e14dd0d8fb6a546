import type { z } from "zod";
import {
  Document,
  DocumentPages as DocumentPagesSchema,
  DocumentUploadResult,
  endpoints,
  pageOf,
  type DocumentStatus,
} from "../contract/index.ts";
import type { RequestOptions } from "../core/api-client.ts";
import { ProcessingFailedError } from "../core/errors.ts";
import { PagePromise, type PageParams } from "../core/pagination.ts";
import { APIResource } from "../core/resource.ts";
import { waitFor, type WaitOptions } from "../core/wait.ts";

/** What `documents.upload` accepts. A `Blob` from `fs.openAsBlob` streams from disk and can be retried. */
export type Uploadable = Blob | ArrayBuffer | Uint8Array | ReadableStream<Uint8Array>;

export interface DocumentUploadParams {
  /** The file's name, for display (never used as a path). */
  filename: string;
  /**
   * The media type; by default the Blob's `type`, else guessed from `filename`, else
   * `application/octet-stream`. The server sniffs the bytes either way.
   */
  contentType?: string | undefined;
}

export interface DocumentListParams extends PageParams {
  /** The project whose documents to list. */
  projectId: string;
  /** Only documents in this state. */
  status?: DocumentStatus | undefined;
}

export interface DocumentPagesParams {
  /** First page (1-based, default 1). */
  from?: number | undefined;
  /** Last page (inclusive, default the last). */
  to?: number | undefined;
  /** Include positioned text spans. Default false. */
  spans?: boolean | undefined;
}

export interface DocumentWaitOptions extends WaitOptions {
  /** Called with the document whenever its status or progress changes. */
  onProgress?: ((document: Document) => void) | undefined;
}

/** The answer of `documents.pages` (the contract has the schema but no type for it). */
export type DocumentPages = z.infer<typeof DocumentPagesSchema>;

const DocumentPage = pageOf(Document);

const MEDIA_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  tif: "image/tiff",
  tiff: "image/tiff",
};

/** Uploaded papers: their processing state, metadata, per-page text and original file. */
export class Documents extends APIResource {
  /**
   * Uploads a PDF or image into a project and queues its processing. Resolves with
   * `duplicate: true` (and no job) when the same bytes are already in the project.
   * A `ReadableStream` body is sent once and never retried; uploads get at least a 10-minute timeout.
   */
  upload(
    projectId: string,
    file: Uploadable,
    params: DocumentUploadParams,
    options?: RequestOptions,
  ): Promise<DocumentUploadResult> {
    const contentType =
      params.contentType ??
      (file instanceof Blob && file.type ? file.type : undefined) ??
      MEDIA_TYPES[params.filename.split(".").pop()?.toLowerCase() ?? ""] ??
      "application/octet-stream";
    const replayable = !(file instanceof ReadableStream);
    // fetch's BodyInit wants ArrayBuffer-backed views; a SharedArrayBuffer-backed one is the caller's bug.
    const body = file instanceof Uint8Array ? (file as Uint8Array<ArrayBuffer>) : file;
    return this._client.request(
      {
        endpoint: endpoints["documents.upload"],
        params: { projectId },
        query: { filename: params.filename },
        rawBody: { body, contentType, replayable },
        options: { ...options, timeout: options?.timeout ?? Math.max(this._client.timeout, 600_000) },
      },
      DocumentUploadResult,
    );
  }

  /** A project's documents, newest first. Await for the first page, or `for await` over all. */
  list(params: DocumentListParams, options?: RequestOptions): PagePromise<Document> {
    const { projectId, ...query } = params;
    return new PagePromise((cursor) =>
      this._client.request(
        {
          endpoint: endpoints["documents.list"],
          params: { projectId },
          query: { ...query, cursor: cursor ?? query.cursor },
          options,
        },
        DocumentPage,
      ),
    );
  }

  /** A document: status, progress, metadata. */
  retrieve(documentId: string, options?: RequestOptions): Promise<Document> {
    return this._client.request(
      { endpoint: endpoints["documents.get"], params: { documentId }, options },
      Document,
    );
  }

  /** Per-page text of a processed document (409 while it is still processing). */
  pages(
    documentId: string,
    params: DocumentPagesParams = {},
    options?: RequestOptions,
  ): Promise<DocumentPages> {
    return this._client.request(
      {
        endpoint: endpoints["documents.pages"],
        params: { documentId },
        query: { from: params.from, to: params.to, spans: params.spans },
        options,
      },
      DocumentPagesSchema,
    );
  }

  /**
   * The original file, as an unread `Response`: use `.body` to stream it or `.arrayBuffer()`.
   * `timeout` covers the wait for the response to start, not the whole download.
   */
  download(documentId: string, options?: RequestOptions): Promise<Response> {
    return this._client.requestResponse({
      endpoint: endpoints["documents.file"],
      params: { documentId },
      accept: "*/*",
      options,
    });
  }

  /** Deletes the document, its file, index entries and notes. */
  delete(documentId: string, options?: RequestOptions): Promise<void> {
    return this._client.requestVoid({
      endpoint: endpoints["documents.delete"],
      params: { documentId },
      options,
    });
  }

  /**
   * Resolves with the document once it is `ready`; rejects with `ProcessingFailedError` if its
   * processing failed. Listens to events (SSE by default) and re-fetches as a fallback.
   */
  async waitUntilDone(documentId: string, options: DocumentWaitOptions = {}): Promise<Document> {
    let seen = "";
    const doc = await waitFor(
      this._client,
      {
        load: (signal) => this.retrieve(documentId, { signal }),
        isDone: (d) => d.status === "ready" || d.status === "failed",
        projectOf: (d) => d.projectId,
        matches: (e) => e.documentId === documentId,
        onValue: (d) => {
          const key = JSON.stringify([d.status, d.progress]);
          if (key === seen) return;
          seen = key;
          options.onProgress?.(d);
        },
      },
      options,
    );
    if (doc.status === "failed") {
      throw new ProcessingFailedError(
        "document",
        doc.id,
        doc.error?.code ?? "failed",
        doc.error?.detail ?? "Processing failed.",
      );
    }
    return doc;
  }
}
