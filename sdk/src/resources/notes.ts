import {
  endpoints,
  Note,
  NoteCreateResult,
  NoteEstimate,
  NoteEstimateBatch,
  noteEtag,
  pageOf,
  Progress,
  type Event,
  type NoteCreateParams,
  type NoteEstimateBatchParams,
  type NoteEstimateParams,
  type NoteUpdateParams,
} from "../contract/index.ts";
import type { RequestOptions } from "../core/api-client.ts";
import { ProcessingFailedError } from "../core/errors.ts";
import { PagePromise, type PageParams } from "../core/pagination.ts";
import { APIResource } from "../core/resource.ts";
import { waitFor, type WaitOptions } from "../core/wait.ts";

export type { NoteCreateParams, NoteEstimateBatchParams, NoteEstimateParams, NoteUpdateParams };

/** Options of {@link Notes.update}. */
export interface NoteUpdateOptions extends RequestOptions {
  /**
   * The version the edit is based on: the note's `revision` (as read), or its ETag (`"3"`). When
   * someone changed the note since, the server answers 409 `conflict` (a `ConflictError`) and
   * nothing is written: read the note again and merge.
   */
  ifMatch: number | string;
}

export interface NoteListParams extends PageParams {
  /** The project whose notes to list. */
  projectId: string;
  /** Only notes of this document. */
  documentId?: string | undefined;
}

export interface NoteWaitOptions extends WaitOptions {
  /**
   * Called with the note whenever it changes, and with the generation job's progress when an
   * event reports it (`null` otherwise).
   */
  onProgress?: ((note: Note, progress: Progress | null) => void) | undefined;
}

const NotePage = pageOf(Note);

/** Generated Markdown notes. Write them into a workspace with the `./writeback` rules. */
export class Notes extends APIResource {
  /**
   * Queues generation of a note from a ready document (409 while it is still processing).
   * `template` defaults to `summary`, `language` to the project's.
   */
  create(
    documentId: string,
    params: NoteCreateParams = {},
    options?: RequestOptions,
  ): Promise<NoteCreateResult> {
    return this._client.request(
      { endpoint: endpoints["notes.create"], params: { documentId }, body: params, options },
      NoteCreateResult,
    );
  }

  /**
   * Tokens and cost a note of this ready document would take with the server's provider and model,
   * before anything starts; `cached: true` when an identical note would be copied for free.
   */
  estimate(
    documentId: string,
    params: NoteEstimateParams = {},
    options?: RequestOptions,
  ): Promise<NoteEstimate> {
    return this._client.request(
      { endpoint: endpoints["notes.estimate"], params: { documentId }, body: params, options },
      NoteEstimate,
    );
  }

  /** Estimates for several ready documents of a project, and their total. */
  estimateBatch(
    projectId: string,
    params: NoteEstimateBatchParams,
    options?: RequestOptions,
  ): Promise<NoteEstimateBatch> {
    return this._client.request(
      { endpoint: endpoints["notes.estimateBatch"], params: { projectId }, body: params, options },
      NoteEstimateBatch,
    );
  }

  /** A note with its Markdown (empty until `status` is `ready`). */
  retrieve(noteId: string, options?: RequestOptions): Promise<Note> {
    return this._client.request({ endpoint: endpoints["notes.get"], params: { noteId }, options }, Note);
  }

  /** A project's notes, newest first. */
  list(params: NoteListParams, options?: RequestOptions): PagePromise<Note> {
    const { projectId, ...query } = params;
    return new PagePromise((cursor) =>
      this._client.request(
        {
          endpoint: endpoints["notes.list"],
          params: { projectId },
          query: { ...query, cursor: cursor ?? query.cursor },
          options,
        },
        NotePage,
      ),
    );
  }

  /**
   * Replaces a ready note's Markdown (and optionally its title), only if the note is still at the
   * revision in `options.ifMatch`. Resolves with the updated note (its `revision` one higher).
   */
  update(noteId: string, params: NoteUpdateParams, options: NoteUpdateOptions): Promise<Note> {
    const { ifMatch, ...rest } = options;
    const etag = typeof ifMatch === "number" ? noteEtag(ifMatch) : ifMatch;
    return this._client.request(
      {
        endpoint: endpoints["notes.update"],
        params: { noteId },
        body: params,
        options: { ...rest, headers: { ...rest.headers, "If-Match": etag } },
      },
      Note,
    );
  }

  delete(noteId: string, options?: RequestOptions): Promise<void> {
    return this._client.requestVoid({ endpoint: endpoints["notes.delete"], params: { noteId }, options });
  }

  /**
   * Resolves with the note once it is `ready`; rejects with `ProcessingFailedError` if generation
   * failed. Listens to events (SSE by default) and re-fetches as a fallback.
   */
  async waitUntilDone(noteId: string, options: NoteWaitOptions = {}): Promise<Note> {
    let latest: Note | undefined;
    let seen = "";
    const report = (note: Note, progress: Progress | null) => {
      const key = JSON.stringify([note.status, note.updatedAt, progress]);
      if (key === seen) return;
      seen = key;
      options.onProgress?.(note, progress);
    };
    const note = await waitFor(
      this._client,
      {
        load: (signal) => this.retrieve(noteId, { signal }),
        isDone: (n) => n.status !== "pending",
        projectOf: (n) => n.projectId,
        matches: (e) => e.noteId === noteId,
        onValue: (n) => {
          latest = n;
          report(n, null);
        },
        onEvent: (e) => {
          const progress = progressOf(e);
          if (latest && progress) report(latest, progress);
        },
      },
      options,
    );
    if (note.status === "failed") {
      throw new ProcessingFailedError(
        "note",
        note.id,
        note.error?.code ?? "failed",
        note.error?.detail ?? "Generation failed.",
      );
    }
    return note;
  }
}

/** The job progress an event carries, if it carries one we can read. */
function progressOf(event: Event): Progress | null {
  const parsed = Progress.safeParse(event.data.progress ?? event.data);
  return parsed.success ? parsed.data : null;
}
