import BetterSqlite3 from "better-sqlite3";
import { existsSync } from "node:fs";
import { Fts5SearchIndex } from "../adapters/fts5/fts5-search-index.ts";
import { SqliteJobQueue } from "../adapters/sqlite-queue/sqlite-job-queue.ts";
import { SqliteRepositories } from "../adapters/sqlite/sqlite-repositories.ts";
import type { ChunkRecord } from "../domain/records.ts";
import type { ChunkRepository, IndexedChunk, JobQueue, SearchIndex } from "../ports/index.ts";
import { localPaths } from "../wiring.ts";
import { BackupError } from "./manifest.ts";

/** A stored passage as the search index takes it. */
export function toIndexedChunk(c: ChunkRecord): IndexedChunk {
  return {
    chunkId: c.id,
    documentId: c.documentId,
    projectId: c.projectId,
    text: c.text,
    pageStart: c.pageStart,
    pageEnd: c.pageEnd,
    section: c.section,
  };
}

/**
 * Rebuilds the search index from the chunks in the metadata store, through the ports: any
 * ChunkRepository into any SearchIndex (FTS5 here; Elasticsearch/OpenSearch alike). Only the list
 * of document ids is store-specific, so the caller passes it. Returns the chunks indexed.
 */
export async function rebuildSearchIndex(deps: {
  chunks: ChunkRepository;
  search: SearchIndex;
  documentIds: Iterable<string> | AsyncIterable<string>;
}): Promise<{ documents: number; chunks: number }> {
  let documents = 0;
  let chunks = 0;
  for await (const documentId of deps.documentIds) {
    const rows = await deps.chunks.listByDocument(documentId);
    // Drop the document first: a chunk the metadata no longer has must not stay findable.
    await deps.search.deleteDocument(documentId);
    const result = await deps.search.indexChunks(rows.map(toIndexedChunk));
    if (result.failed.length > 0) {
      throw new BackupError(
        `${result.failed.length} passages of document ${documentId} could not be indexed: ${result.failed[0]?.reason ?? "unknown"}`,
      );
    }
    documents++;
    chunks += result.indexed;
  }
  await deps.search.refresh();
  return { documents, chunks };
}

function openReadOnly(file: string) {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  return db;
}

/**
 * Local mode: replaces `search.db` under `dataDir` with an index rebuilt from the `ready`
 * documents' chunks in `academic-assist.db` (the documents search can find when all is well).
 */
export async function rebuildLocalSearchIndex(
  dataDir: string,
): Promise<{ documents: number; chunks: number }> {
  const files = localPaths(dataDir);
  if (!existsSync(files.metadata))
    throw new BackupError(`${files.metadata} does not exist: nothing to index.`);
  const meta = openReadOnly(files.metadata);
  let ids: string[];
  try {
    ids = meta
      .prepare<[], string>("SELECT id FROM documents WHERE status = 'ready' ORDER BY id")
      .pluck()
      .all();
  } finally {
    meta.close();
  }
  const repos = new SqliteRepositories(files.metadata);
  const search = new Fts5SearchIndex(files.search);
  try {
    return await rebuildSearchIndex({ chunks: repos.chunks, search, documentIds: ids });
  } finally {
    await Promise.allSettled([repos.close(), search.close()]);
  }
}

/** What `requeueUnfinished` queued again. */
export interface RequeueResult {
  documents: number;
  notes: number;
}

/**
 * Queues again every document still on its way to `ready` and every pending note that has no
 * queued or running job — after a restore (the queue snapshot is taken moments after the metadata
 * one) or a lost queue. Handlers are idempotent and skip finished work, so a job too many is harmless.
 */
export async function requeueUnfinished(
  dataDir: string,
  options: { jobMaxAttempts?: number; llmJobMaxAttempts?: number } = {},
): Promise<RequeueResult> {
  const files = localPaths(dataDir);
  if (!existsSync(files.metadata))
    throw new BackupError(`${files.metadata} does not exist: nothing to queue.`);
  const meta = openReadOnly(files.metadata);
  let docs: { id: string; project_id: string; status: string }[];
  let notes: { id: string; project_id: string; document_id: string }[];
  try {
    docs = meta
      .prepare<[], { id: string; project_id: string; status: string }>(
        "SELECT id, project_id, status FROM documents WHERE status IN ('queued', 'processing', 'indexing') ORDER BY created_at",
      )
      .all();
    notes = meta
      .prepare<[], { id: string; project_id: string; document_id: string }>(
        "SELECT id, project_id, document_id FROM notes WHERE status = 'pending' ORDER BY created_at",
      )
      .all();
  } finally {
    meta.close();
  }
  if (docs.length === 0 && notes.length === 0) return { documents: 0, notes: 0 };

  const queue: JobQueue = new SqliteJobQueue({ file: files.queue });
  const jobs = openReadOnly(files.queue);
  const live = jobs.prepare<[string, string], number>(
    "SELECT count(*) FROM jobs WHERE status IN ('queued', 'active') AND (document_id = ? OR note_id = ?)",
  );
  const stamp = Date.now().toString(36);
  const result: RequeueResult = { documents: 0, notes: 0 };
  try {
    for (const doc of docs) {
      if ((live.pluck().get(doc.id, "") ?? 0) > 0) continue;
      const common = {
        idempotencyKey: `requeue:${doc.id}:${stamp}`,
        projectId: doc.project_id,
        documentId: doc.id,
        maxAttempts: options.jobMaxAttempts ?? 5,
      };
      // A document in `indexing` has its chunks stored: only the indexing step is left.
      if (doc.status === "indexing") await queue.enqueue("indexing", { documentId: doc.id }, common);
      else await queue.enqueue("document_processing", { documentId: doc.id }, common);
      result.documents++;
    }
    for (const note of notes) {
      if ((live.pluck().get("", note.id) ?? 0) > 0) continue;
      await queue.enqueue(
        "llm_generation",
        { noteId: note.id },
        {
          idempotencyKey: `requeue:${note.id}:${stamp}`,
          projectId: note.project_id,
          documentId: note.document_id,
          noteId: note.id,
          maxAttempts: options.llmJobMaxAttempts ?? 2,
        },
      );
      result.notes++;
    }
  } finally {
    jobs.close();
    await queue.close();
  }
  return result;
}
