import { badRequest } from "../../errors/app-error.ts";
import type { IndexedChunk, SearchIndex, SearchIndexHit, SearchRequest } from "../../ports/search-index.ts";
import { openDatabase, pingDatabase, type Database } from "../sqlite/database.ts";
import { guard } from "../sqlite/errors.ts";
import { runMigrations, type Migration } from "../sqlite/migrations.ts";
import { makeSnippet } from "./fts5-snippet.ts";
import { parseQuery, toIndexText, toMatchExpression } from "./fts5-text.ts";

const STORE = "The search index";
const MAX_LIMIT = 1000;

/** Migrations of the search index (component `search_index`). Append only. */
const SEARCH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    up: `
      CREATE TABLE search_chunks (
        rowid INTEGER PRIMARY KEY,
        chunk_id TEXT NOT NULL UNIQUE,
        document_id TEXT NOT NULL,
        project_id TEXT NOT NULL,
        page_start INTEGER NOT NULL,
        page_end INTEGER NOT NULL,
        section TEXT,
        text TEXT NOT NULL
      );
      CREATE INDEX search_chunks_document ON search_chunks (document_id);
      CREATE VIRTUAL TABLE search_fts USING fts5 (body, tokenize = 'porter unicode61 remove_diacritics 2');
    `,
  },
];

interface HitRow {
  chunk_id: string;
  document_id: string;
  project_id: string;
  page_start: number;
  page_end: number;
  section: string | null;
  text: string;
  score: number;
}

/** Why a chunk cannot be indexed, or null when it can. */
function invalidReason(chunk: IndexedChunk): string | null {
  if (typeof chunk.chunkId !== "string" || chunk.chunkId === "") return "chunkId is missing";
  if (typeof chunk.documentId !== "string" || chunk.documentId === "") return "documentId is missing";
  if (typeof chunk.projectId !== "string" || chunk.projectId === "") return "projectId is missing";
  if (typeof chunk.text !== "string") return "text is not a string";
  if (
    !Number.isInteger(chunk.pageStart) ||
    !Number.isInteger(chunk.pageEnd) ||
    chunk.pageEnd < chunk.pageStart
  )
    return "invalid page range";
  if (chunk.section !== null && typeof chunk.section !== "string") return "section is not a string";
  return null;
}

/**
 * Full-text search in SQLite FTS5 (embedded mode), BM25-ranked. English is stemmed (Porter); CJK text
 * is indexed as character bigrams so that any Japanese substring is found (see `fts5-text.ts`). The
 * original chunk text is kept beside the index to cut snippets from.
 */
export class Fts5SearchIndex implements SearchIndex {
  private readonly db: Database;

  /** Opens (creating and migrating as needed) the index in the SQLite file `file`. */
  constructor(file: string) {
    this.db = guard(STORE, () => openDatabase(file));
    guard(STORE, () => {
      runMigrations(this.db, "search_index", SEARCH_MIGRATIONS);
    });
  }

  /** Indexes the chunks in one transaction, replacing any with the same chunkId; invalid chunks are reported, not thrown. */
  async indexChunks(
    chunks: IndexedChunk[],
  ): Promise<{ indexed: number; failed: { chunkId: string; reason: string }[] }> {
    return guard(STORE, () => {
      const failed: { chunkId: string; reason: string }[] = [];
      const find = this.db
        .prepare<[string], number>("SELECT rowid FROM search_chunks WHERE chunk_id = ?")
        .pluck();
      const removeFts = this.db.prepare("DELETE FROM search_fts WHERE rowid = ?");
      const update = this.db.prepare(
        "UPDATE search_chunks SET document_id = ?, project_id = ?, page_start = ?, page_end = ?, section = ?, text = ? WHERE rowid = ?",
      );
      const insert = this.db.prepare(
        "INSERT INTO search_chunks (chunk_id, document_id, project_id, page_start, page_end, section, text) VALUES (?, ?, ?, ?, ?, ?, ?)",
      );
      const insertFts = this.db.prepare("INSERT INTO search_fts (rowid, body) VALUES (?, ?)");
      let indexed = 0;
      this.db
        .transaction(() => {
          for (const chunk of chunks) {
            const reason = invalidReason(chunk);
            if (reason !== null) {
              failed.push({ chunkId: typeof chunk.chunkId === "string" ? chunk.chunkId : "", reason });
              continue;
            }
            let rowid = find.get(chunk.chunkId);
            if (rowid !== undefined) {
              removeFts.run(rowid);
              update.run(
                chunk.documentId,
                chunk.projectId,
                chunk.pageStart,
                chunk.pageEnd,
                chunk.section,
                chunk.text,
                rowid,
              );
            } else {
              rowid = Number(
                insert.run(
                  chunk.chunkId,
                  chunk.documentId,
                  chunk.projectId,
                  chunk.pageStart,
                  chunk.pageEnd,
                  chunk.section,
                  chunk.text,
                ).lastInsertRowid,
              );
            }
            insertFts.run(rowid, toIndexText(chunk.text));
            indexed++;
          }
        })
        .immediate();
      return { indexed, failed };
    });
  }

  /** Removes every chunk of the document. */
  async deleteDocument(documentId: string): Promise<void> {
    guard(STORE, () => {
      this.db
        .transaction(() => {
          this.db
            .prepare(
              "DELETE FROM search_fts WHERE rowid IN (SELECT rowid FROM search_chunks WHERE document_id = ?)",
            )
            .run(documentId);
          this.db.prepare("DELETE FROM search_chunks WHERE document_id = ?").run(documentId);
        })
        .immediate();
    });
  }

  /** BM25-ranked hits among the given projects (and document); a query with nothing indexable finds nothing. */
  async search(request: SearchRequest): Promise<{ hits: SearchIndexHit[] }> {
    const limit = Math.min(Math.max(0, Math.floor(request.limit)), MAX_LIMIT);
    const offset = Math.max(0, Math.floor(request.offset));
    if (!Number.isFinite(limit) || !Number.isFinite(offset))
      throw badRequest("limit and offset must be numbers.");
    if (request.projectIds.length === 0 || limit === 0) return { hits: [] };
    const terms = parseQuery(typeof request.text === "string" ? request.text : "");
    const match = toMatchExpression(terms);
    if (match === null) return { hits: [] };
    const documentFilter = request.documentId === undefined ? "" : "AND c.document_id = ?";
    const rows = guard(STORE, () =>
      this.db
        .prepare<unknown[], HitRow>(
          `SELECT c.chunk_id, c.document_id, c.project_id, c.page_start, c.page_end, c.section, c.text, -bm25(search_fts) AS score
           FROM search_fts JOIN search_chunks c ON c.rowid = search_fts.rowid
           WHERE search_fts MATCH ? AND c.project_id IN (SELECT value FROM json_each(?)) ${documentFilter}
           ORDER BY bm25(search_fts), c.chunk_id
           LIMIT ? OFFSET ?`,
        )
        .all(
          match,
          JSON.stringify(request.projectIds),
          ...(request.documentId === undefined ? [] : [request.documentId]),
          limit,
          offset,
        ),
    );
    return {
      hits: rows.map((r) => ({
        chunkId: r.chunk_id,
        documentId: r.document_id,
        projectId: r.project_id,
        pageStart: r.page_start,
        pageEnd: r.page_end,
        section: r.section,
        ...makeSnippet(r.text, terms),
        score: r.score,
      })),
    };
  }

  /** Writes are visible as soon as they commit: nothing to do. */
  async refresh(): Promise<void> {
    // Intentionally empty.
  }

  /** True when the file answers a trivial query. */
  async ping(): Promise<boolean> {
    return pingDatabase(this.db);
  }

  /** Closes the file. */
  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
