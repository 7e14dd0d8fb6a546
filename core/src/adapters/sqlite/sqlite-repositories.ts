import type {
  DocumentMetadata,
  DocumentStatus,
  JobError,
  Language,
  MediaType,
  NoteStatus,
  Page,
  Progress,
  ProjectLlm,
  Role,
  TextSpan,
} from "@academic-assist/sdk/contract";
import type {
  ApiTokenRecord,
  ChunkRecord,
  DocumentRecord,
  MembershipRecord,
  NewNoteRecord,
  NoteCitationStats,
  NoteRecord,
  PageRecord,
  ProjectRecord,
  TemplateRecord,
  UsageRecord,
  UsageTotals,
  UserRecord,
} from "../../domain/records.ts";
import { AppError, conflict, notFound } from "../../errors/app-error.ts";
import type {
  ApiTokenRepository,
  ChunkRepository,
  DocumentRepository,
  IdempotencyRecord,
  IdempotencyRepository,
  IdempotentResponse,
  ListOptions,
  NoteEdit,
  NoteRepository,
  PageRepository,
  ProjectRepository,
  Repositories,
  TemplatePatch,
  TemplateRepository,
  UsageRepository,
  UserRepository,
} from "../../ports/repositories.ts";
import { afterCursor, toPage } from "./cursor.ts";
import { openDatabase, pingDatabase, type Database } from "./database.ts";
import { guard, parseJson, parseJsonOrNull, sqliteCode, toJsonOrNull } from "./errors.ts";
import { runMigrations } from "./migrations.ts";
import { REPOSITORY_MIGRATIONS } from "./schema.ts";

const STORE = "The metadata store";

/** Runs a repository operation against SQLite with driver errors translated at this edge. */
function op<T>(fn: () => T): Promise<T> {
  return Promise.resolve().then(() => guard(STORE, fn));
}

const emailKey = (email: string): string => email.trim().toLowerCase();

// --- rows --------------------------------------------------------------------------------------

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  created_at: string;
}
const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  name: r.name,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
});

interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}
const toToken = (r: TokenRow): ApiTokenRecord => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  prefix: r.prefix,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

interface ProjectRow {
  id: string;
  name: string;
  description: string;
  language: string;
  llm: string | null;
  created_at: string;
  updated_at: string;
}
const toProject = (r: ProjectRow): ProjectRecord => ({
  id: r.id,
  name: r.name,
  description: r.description,
  language: r.language as Language,
  llm: parseJsonOrNull(r.llm) as ProjectLlm | null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface DocumentRow {
  id: string;
  project_id: string;
  filename: string;
  media_type: string;
  byte_size: number;
  sha256: string;
  blob_key: string;
  status: string;
  progress: string | null;
  error: string | null;
  page_count: number | null;
  metadata: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}
const toDocument = (r: DocumentRow): DocumentRecord => ({
  id: r.id,
  projectId: r.project_id,
  filename: r.filename,
  mediaType: r.media_type as MediaType,
  byteSize: r.byte_size,
  sha256: r.sha256,
  blobKey: r.blob_key,
  status: r.status as DocumentStatus,
  progress: parseJsonOrNull(r.progress) as Progress | null,
  error: parseJsonOrNull(r.error) as JobError | null,
  pageCount: r.page_count,
  metadata: parseJson(r.metadata) as DocumentMetadata,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface PageRow {
  document_id: string;
  number: number;
  width: number;
  height: number;
  text: string;
  source: string;
  spans: string;
}
const toPageRecord = (r: PageRow): PageRecord => ({
  documentId: r.document_id,
  number: r.number,
  width: r.width,
  height: r.height,
  text: r.text,
  source: r.source as PageRecord["source"],
  spans: parseJson(r.spans) as TextSpan[],
});

interface ChunkRow {
  id: string;
  document_id: string;
  project_id: string;
  ordinal: number;
  text: string;
  page_start: number;
  page_end: number;
  section: string | null;
  token_count: number;
}
const toChunk = (r: ChunkRow): ChunkRecord => ({
  id: r.id,
  documentId: r.document_id,
  projectId: r.project_id,
  ordinal: r.ordinal,
  text: r.text,
  pageStart: r.page_start,
  pageEnd: r.page_end,
  section: r.section,
  tokenCount: r.token_count,
});

interface NoteRow {
  id: string;
  project_id: string;
  document_id: string;
  template: string;
  language: string;
  status: string;
  title: string | null;
  markdown: string;
  content_hash: string | null;
  generator: string | null;
  citations: string | null;
  error: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  cache_key: string | null;
  revision: number;
}
const toNote = (r: NoteRow): NoteRecord => ({
  id: r.id,
  projectId: r.project_id,
  documentId: r.document_id,
  template: r.template,
  language: r.language as Language,
  status: r.status as NoteStatus,
  title: r.title,
  markdown: r.markdown,
  contentHash: r.content_hash,
  generator: parseJsonOrNull(r.generator) as { provider: string; model: string } | null,
  citations: parseJsonOrNull(r.citations) as NoteCitationStats | null,
  error: parseJsonOrNull(r.error) as JobError | null,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  revision: r.revision,
  ...(r.cache_key ? { cacheKey: r.cache_key } : {}),
});

interface TemplateRow {
  id: string;
  project_id: string;
  name: string;
  name_key: string;
  description: string;
  language: string | null;
  prompt: string;
  skeleton: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}
const toTemplate = (r: TemplateRow): TemplateRecord => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  description: r.description,
  language: r.language as Language | null,
  prompt: r.prompt,
  skeleton: r.skeleton,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The per-project unique key of a template name: case is ignored. */
export const templateNameKey = (name: string): string => name.trim().toLowerCase();

/** `SET a = ?, b = ?` and its parameters from the defined entries of a patch. */
function setClause(columns: Record<string, unknown>): { sql: string; params: unknown[] } {
  const entries = Object.entries(columns).filter(([, v]) => v !== undefined);
  return { sql: entries.map(([c]) => `${c} = ?`).join(", "), params: entries.map(([, v]) => v) };
}

// --- repositories ------------------------------------------------------------------------------

class SqliteUsers implements UserRepository {
  constructor(private readonly db: Database) {}

  create(user: UserRecord): Promise<UserRecord> {
    return op(() => {
      try {
        this.db
          .prepare(
            "INSERT INTO users (id, email, email_key, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
          )
          .run(user.id, user.email, emailKey(user.email), user.name, user.passwordHash, user.createdAt);
      } catch (error) {
        if (sqliteCode(error) === "SQLITE_CONSTRAINT_UNIQUE") {
          throw new AppError("email_taken", "An account with this email already exists.", { cause: error });
        }
        if (sqliteCode(error) === "SQLITE_CONSTRAINT_PRIMARYKEY")
          throw conflict(`A user with id ${user.id} already exists.`);
        throw error;
      }
      return { ...user };
    });
  }

  findById(id: string): Promise<UserRecord | null> {
    return op(() => {
      const row = this.db.prepare<[string], UserRow>("SELECT * FROM users WHERE id = ?").get(id);
      return row ? toUser(row) : null;
    });
  }

  findByEmail(email: string): Promise<UserRecord | null> {
    return op(() => {
      const row = this.db
        .prepare<[string], UserRow>("SELECT * FROM users WHERE email_key = ?")
        .get(emailKey(email));
      return row ? toUser(row) : null;
    });
  }

  count(): Promise<number> {
    return op(() => this.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM users").get()!.n);
  }
}

/** Minimum time between two recorded uses of one token, so authentication does not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

class SqliteTokens implements ApiTokenRepository {
  constructor(private readonly db: Database) {}

  create(token: ApiTokenRecord): Promise<ApiTokenRecord> {
    return op(() => {
      try {
        this.db
          .prepare(
            `INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at, last_used_at, expires_at, revoked_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            token.id,
            token.userId,
            token.name,
            token.prefix,
            token.tokenHash,
            token.createdAt,
            token.lastUsedAt,
            token.expiresAt,
            token.revokedAt,
          );
      } catch (error) {
        const code = sqliteCode(error);
        if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY")
          throw conflict("This token already exists.");
        throw error;
      }
      return { ...token };
    });
  }

  findByHash(tokenHash: string): Promise<ApiTokenRecord | null> {
    return op(() => {
      const row = this.db
        .prepare<[string], TokenRow>("SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL")
        .get(tokenHash);
      return row ? toToken(row) : null;
    });
  }

  listByUser(userId: string): Promise<ApiTokenRecord[]> {
    return op(() =>
      this.db
        .prepare<[string], TokenRow>(
          "SELECT * FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, id DESC",
        )
        .all(userId)
        .map(toToken),
    );
  }

  revoke(userId: string, tokenId: string, at: string): Promise<boolean> {
    return op(
      () =>
        this.db
          .prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL")
          .run(at, tokenId, userId).changes > 0,
    );
  }

  touch(tokenId: string, at: string): Promise<void> {
    return op(() => {
      const threshold = new Date(Date.parse(at) - TOUCH_INTERVAL_MS).toISOString();
      this.db
        .prepare(
          "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
        )
        .run(at, tokenId, threshold);
    });
  }
}

class SqliteProjects implements ProjectRepository {
  constructor(private readonly db: Database) {}

  create(project: ProjectRecord, ownerId: string): Promise<ProjectRecord> {
    return op(() => {
      this.db.transaction(() => {
        try {
          this.db
            .prepare(
              "INSERT INTO projects (id, name, description, language, llm, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .run(
              project.id,
              project.name,
              project.description,
              project.language,
              toJsonOrNull(project.llm),
              project.createdAt,
              project.updatedAt,
            );
        } catch (error) {
          if (sqliteCode(error) === "SQLITE_CONSTRAINT_PRIMARYKEY")
            throw conflict(`A project with id ${project.id} already exists.`);
          throw error;
        }
        try {
          this.db
            .prepare(
              "INSERT INTO memberships (project_id, user_id, role, added_at) VALUES (?, ?, 'owner', ?)",
            )
            .run(project.id, ownerId, project.createdAt);
        } catch (error) {
          if (sqliteCode(error) === "SQLITE_CONSTRAINT_FOREIGNKEY") throw notFound("user", ownerId);
          throw error;
        }
      })();
      return { ...project };
    });
  }

  findById(id: string): Promise<ProjectRecord | null> {
    return op(() => {
      const row = this.db.prepare<[string], ProjectRow>("SELECT * FROM projects WHERE id = ?").get(id);
      return row ? toProject(row) : null;
    });
  }

  update(
    id: string,
    patch: Partial<Pick<ProjectRecord, "name" | "description" | "language" | "llm">>,
    at: string,
  ): Promise<ProjectRecord | null> {
    return op(() => {
      const set = setClause({
        name: patch.name,
        description: patch.description,
        language: patch.language,
        llm: patch.llm === undefined ? undefined : toJsonOrNull(patch.llm),
        updated_at: at,
      });
      const row = this.db
        .prepare<unknown[], ProjectRow>(`UPDATE projects SET ${set.sql} WHERE id = ? RETURNING *`)
        .get(...set.params, id);
      return row ? toProject(row) : null;
    });
  }

  delete(id: string): Promise<void> {
    return op(() => {
      this.db.prepare("DELETE FROM projects WHERE id = ?").run(id);
    });
  }

  listForUser(userId: string, options: ListOptions): Promise<Page<ProjectRecord & { role: Role }>> {
    return op(() => {
      const after = afterCursor(options.cursor, "p");
      const rows = this.db
        .prepare<unknown[], ProjectRow & { role: string }>(
          `SELECT p.*, m.role FROM projects p JOIN memberships m ON m.project_id = p.id
           WHERE m.user_id = ? AND ${after.sql}
           ORDER BY p.created_at DESC, p.id DESC LIMIT ?`,
        )
        .all(userId, ...after.params, options.limit + 1);
      return toPage(
        rows.map((r) => ({ ...toProject(r), role: r.role as Role })),
        options.limit,
      );
    });
  }

  roleOf(projectId: string, userId: string): Promise<Role | null> {
    return op(() => {
      const row = this.db
        .prepare<[string, string], { role: string }>(
          "SELECT role FROM memberships WHERE project_id = ? AND user_id = ?",
        )
        .get(projectId, userId);
      return row ? (row.role as Role) : null;
    });
  }

  projectIdsForUser(userId: string): Promise<string[]> {
    return op(() =>
      this.db
        .prepare<[string], string>("SELECT project_id FROM memberships WHERE user_id = ? ORDER BY project_id")
        .pluck()
        .all(userId),
    );
  }

  listMembers(projectId: string): Promise<(MembershipRecord & { email: string; name: string })[]> {
    return op(() =>
      this.db
        .prepare<
          [string],
          { project_id: string; user_id: string; role: string; added_at: string; email: string; name: string }
        >(
          `SELECT m.project_id, m.user_id, m.role, m.added_at, u.email, u.name
           FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.project_id = ? ORDER BY m.added_at, m.user_id`,
        )
        .all(projectId)
        .map((r) => ({
          projectId: r.project_id,
          userId: r.user_id,
          role: r.role as Role,
          addedAt: r.added_at,
          email: r.email,
          name: r.name,
        })),
    );
  }

  addMember(membership: MembershipRecord): Promise<void> {
    return op(() => {
      try {
        this.db
          .prepare("INSERT INTO memberships (project_id, user_id, role, added_at) VALUES (?, ?, ?, ?)")
          .run(membership.projectId, membership.userId, membership.role, membership.addedAt);
      } catch (error) {
        const code = sqliteCode(error);
        if (code === "SQLITE_CONSTRAINT_PRIMARYKEY")
          throw conflict("This user is already a member of the project.");
        if (code === "SQLITE_CONSTRAINT_FOREIGNKEY")
          throw new AppError("not_found", "No such project or user.", { cause: error });
        throw error;
      }
    });
  }

  updateMember(projectId: string, userId: string, role: Role): Promise<boolean> {
    return op(
      () =>
        this.db
          .prepare("UPDATE memberships SET role = ? WHERE project_id = ? AND user_id = ?")
          .run(role, projectId, userId).changes > 0,
    );
  }

  removeMember(projectId: string, userId: string): Promise<boolean> {
    return op(
      () =>
        this.db.prepare("DELETE FROM memberships WHERE project_id = ? AND user_id = ?").run(projectId, userId)
          .changes > 0,
    );
  }
}

class SqliteDocuments implements DocumentRepository {
  constructor(private readonly db: Database) {}

  createOrGetBySha(doc: DocumentRecord): Promise<{ document: DocumentRecord; created: boolean }> {
    return op(() =>
      this.db
        .transaction(() => {
          let changes: number;
          try {
            changes = this.db
              .prepare(
                `INSERT INTO documents (id, project_id, filename, media_type, byte_size, sha256, blob_key, status, progress, error,
                 page_count, metadata, created_by, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (project_id, sha256) DO NOTHING`,
              )
              .run(
                doc.id,
                doc.projectId,
                doc.filename,
                doc.mediaType,
                doc.byteSize,
                doc.sha256,
                doc.blobKey,
                doc.status,
                toJsonOrNull(doc.progress),
                toJsonOrNull(doc.error),
                doc.pageCount,
                JSON.stringify(doc.metadata),
                doc.createdBy,
                doc.createdAt,
                doc.updatedAt,
              ).changes;
          } catch (error) {
            const code = sqliteCode(error);
            if (code === "SQLITE_CONSTRAINT_PRIMARYKEY")
              throw conflict(`A document with id ${doc.id} already exists.`);
            if (code === "SQLITE_CONSTRAINT_FOREIGNKEY")
              throw new AppError("not_found", `No project with id ${doc.projectId}.`, { cause: error });
            throw error;
          }
          if (changes > 0) return { document: { ...doc }, created: true };
          const existing = this.db
            .prepare<[string, string], DocumentRow>(
              "SELECT * FROM documents WHERE project_id = ? AND sha256 = ?",
            )
            .get(doc.projectId, doc.sha256)!;
          return { document: toDocument(existing), created: false };
        })
        .immediate(),
    );
  }

  findById(id: string): Promise<DocumentRecord | null> {
    return op(() => {
      const row = this.db.prepare<[string], DocumentRow>("SELECT * FROM documents WHERE id = ?").get(id);
      return row ? toDocument(row) : null;
    });
  }

  listByProject(
    projectId: string,
    options: ListOptions & { status?: string | undefined },
  ): Promise<Page<DocumentRecord>> {
    return op(() => {
      const after = afterCursor(options.cursor);
      const status =
        options.status === undefined
          ? { sql: "1", params: [] }
          : { sql: "status = ?", params: [options.status] };
      const rows = this.db
        .prepare<unknown[], DocumentRow>(
          `SELECT * FROM documents WHERE project_id = ? AND ${status.sql} AND ${after.sql}
           ORDER BY created_at DESC, id DESC LIMIT ?`,
        )
        .all(projectId, ...status.params, ...after.params, options.limit + 1);
      return toPage(rows.map(toDocument), options.limit);
    });
  }

  update(
    id: string,
    patch: Partial<Pick<DocumentRecord, "status" | "progress" | "error" | "pageCount" | "metadata">>,
    at: string,
  ): Promise<DocumentRecord | null> {
    return op(() => {
      const set = setClause({
        status: patch.status,
        progress: patch.progress === undefined ? undefined : toJsonOrNull(patch.progress),
        error: patch.error === undefined ? undefined : toJsonOrNull(patch.error),
        page_count: patch.pageCount,
        metadata: patch.metadata === undefined ? undefined : JSON.stringify(patch.metadata),
        updated_at: at,
      });
      const row = this.db
        .prepare<unknown[], DocumentRow>(`UPDATE documents SET ${set.sql} WHERE id = ? RETURNING *`)
        .get(...set.params, id);
      return row ? toDocument(row) : null;
    });
  }

  delete(id: string): Promise<void> {
    return op(() => {
      this.db.prepare("DELETE FROM documents WHERE id = ?").run(id);
    });
  }

  findMany(ids: string[]): Promise<DocumentRecord[]> {
    return op(() => {
      if (ids.length === 0) return [];
      return this.db
        .prepare<[string], DocumentRow>(
          "SELECT * FROM documents WHERE id IN (SELECT value FROM json_each(?))",
        )
        .all(JSON.stringify(ids))
        .map(toDocument);
    });
  }
}

class SqlitePages implements PageRepository {
  constructor(private readonly db: Database) {}

  replaceAll(documentId: string, pages: PageRecord[]): Promise<void> {
    return op(() => {
      const insert = this.db.prepare(
        "INSERT INTO pages (document_id, number, width, height, text, source, spans) VALUES (?, ?, ?, ?, ?, ?, ?)",
      );
      this.db.transaction(() => {
        this.db.prepare("DELETE FROM pages WHERE document_id = ?").run(documentId);
        for (const p of pages)
          insert.run(documentId, p.number, p.width, p.height, p.text, p.source, JSON.stringify(p.spans));
      })();
    });
  }

  list(documentId: string, from = 1, to = Number.MAX_SAFE_INTEGER): Promise<PageRecord[]> {
    return op(() =>
      this.db
        .prepare<[string, number, number], PageRow>(
          "SELECT * FROM pages WHERE document_id = ? AND number BETWEEN ? AND ? ORDER BY number",
        )
        .all(documentId, from, to)
        .map(toPageRecord),
    );
  }
}

class SqliteChunks implements ChunkRepository {
  constructor(private readonly db: Database) {}

  replaceAll(documentId: string, chunks: ChunkRecord[]): Promise<void> {
    return op(() => {
      const insert = this.db.prepare(
        `INSERT INTO chunks (id, document_id, project_id, ordinal, text, page_start, page_end, section, token_count)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      this.db.transaction(() => {
        this.db.prepare("DELETE FROM chunks WHERE document_id = ?").run(documentId);
        for (const c of chunks)
          insert.run(
            c.id,
            documentId,
            c.projectId,
            c.ordinal,
            c.text,
            c.pageStart,
            c.pageEnd,
            c.section,
            c.tokenCount,
          );
      })();
    });
  }

  listByDocument(documentId: string): Promise<ChunkRecord[]> {
    return op(() =>
      this.db
        .prepare<[string], ChunkRow>("SELECT * FROM chunks WHERE document_id = ? ORDER BY ordinal, id")
        .all(documentId)
        .map(toChunk),
    );
  }
}

class SqliteNotes implements NoteRepository {
  constructor(private readonly db: Database) {}

  create(note: NewNoteRecord): Promise<NoteRecord> {
    return op(() => {
      try {
        this.db
          .prepare(
            `INSERT INTO notes (id, project_id, document_id, template, language, status, title, markdown, content_hash, generator,
               citations, error, created_by, created_at, updated_at, cache_key, revision)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
          )
          .run(
            note.id,
            note.projectId,
            note.documentId,
            note.template,
            note.language,
            note.status,
            note.title,
            note.markdown,
            note.contentHash,
            toJsonOrNull(note.generator),
            toJsonOrNull(note.citations),
            toJsonOrNull(note.error),
            note.createdBy,
            note.createdAt,
            note.updatedAt,
            note.cacheKey ?? null,
          );
      } catch (error) {
        const code = sqliteCode(error);
        if (code === "SQLITE_CONSTRAINT_PRIMARYKEY")
          throw conflict(`A note with id ${note.id} already exists.`);
        if (code === "SQLITE_CONSTRAINT_FOREIGNKEY")
          throw new AppError("not_found", "No such project or document.", { cause: error });
        throw error;
      }
      return { ...note, revision: 1 };
    });
  }

  findById(id: string): Promise<NoteRecord | null> {
    return op(() => {
      const row = this.db.prepare<[string], NoteRow>("SELECT * FROM notes WHERE id = ?").get(id);
      return row ? toNote(row) : null;
    });
  }

  listByProject(
    projectId: string,
    options: ListOptions & { documentId?: string | undefined },
  ): Promise<Page<NoteRecord>> {
    return op(() => {
      const after = afterCursor(options.cursor);
      const doc =
        options.documentId === undefined
          ? { sql: "1", params: [] }
          : { sql: "document_id = ?", params: [options.documentId] };
      const rows = this.db
        .prepare<unknown[], NoteRow>(
          `SELECT * FROM notes WHERE project_id = ? AND ${doc.sql} AND ${after.sql}
           ORDER BY created_at DESC, id DESC LIMIT ?`,
        )
        .all(projectId, ...doc.params, ...after.params, options.limit + 1);
      return toPage(rows.map(toNote), options.limit);
    });
  }

  update(
    id: string,
    patch: Partial<
      Pick<NoteRecord, "status" | "title" | "markdown" | "contentHash" | "generator" | "citations" | "error">
    >,
    at: string,
  ): Promise<NoteRecord | null> {
    return op(() => {
      const set = setClause({
        status: patch.status,
        title: patch.title,
        markdown: patch.markdown,
        content_hash: patch.contentHash,
        generator: patch.generator === undefined ? undefined : toJsonOrNull(patch.generator),
        citations: patch.citations === undefined ? undefined : toJsonOrNull(patch.citations),
        error: patch.error === undefined ? undefined : toJsonOrNull(patch.error),
        updated_at: at,
      });
      const row = this.db
        .prepare<unknown[], NoteRow>(
          `UPDATE notes SET ${set.sql}, revision = revision + 1 WHERE id = ? RETURNING *`,
        )
        .get(...set.params, id);
      return row ? toNote(row) : null;
    });
  }

  updateIfRevision(
    id: string,
    expectedRevision: number,
    patch: NoteEdit,
    at: string,
  ): Promise<NoteRecord | null> {
    return op(() => {
      const set = setClause({
        title: patch.title,
        markdown: patch.markdown,
        content_hash: patch.contentHash,
        updated_at: at,
      });
      // One statement: SQLite's write lock makes the check and the write atomic across processes.
      const row = this.db
        .prepare<unknown[], NoteRow>(
          `UPDATE notes SET ${set.sql}, revision = revision + 1 WHERE id = ? AND revision = ? RETURNING *`,
        )
        .get(...set.params, id, expectedRevision);
      return row ? toNote(row) : null;
    });
  }

  delete(id: string): Promise<void> {
    return op(() => {
      this.db.prepare("DELETE FROM notes WHERE id = ?").run(id);
    });
  }

  findReadyByCacheKey(projectId: string, cacheKey: string): Promise<NoteRecord | null> {
    return op(() => {
      const row = this.db
        .prepare<[string, string], NoteRow>(
          `SELECT * FROM notes WHERE project_id = ? AND cache_key = ? AND status = 'ready'
           ORDER BY created_at DESC, id DESC LIMIT 1`,
        )
        .get(projectId, cacheKey);
      return row ? toNote(row) : null;
    });
  }
}

class SqliteTemplates implements TemplateRepository {
  constructor(private readonly db: Database) {}

  private taken(error: unknown, name: string | undefined): never {
    const code = sqliteCode(error);
    if (code === "SQLITE_CONSTRAINT_UNIQUE")
      throw conflict(`This project already has a template named "${name ?? ""}" (names ignore case).`);
    if (code === "SQLITE_CONSTRAINT_PRIMARYKEY") throw conflict("A template with this id already exists.");
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY")
      throw new AppError("not_found", "No such project.", { cause: error });
    throw error;
  }

  create(t: TemplateRecord): Promise<TemplateRecord> {
    return op(() => {
      try {
        this.db
          .prepare(
            `INSERT INTO templates (id, project_id, name, name_key, description, language, prompt, skeleton,
               created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            t.id,
            t.projectId,
            t.name,
            templateNameKey(t.name),
            t.description,
            t.language,
            t.prompt,
            t.skeleton,
            t.createdBy,
            t.createdAt,
            t.updatedAt,
          );
      } catch (error) {
        this.taken(error, t.name);
      }
      return { ...t };
    });
  }

  findById(id: string): Promise<TemplateRecord | null> {
    return op(() => {
      const row = this.db.prepare<[string], TemplateRow>("SELECT * FROM templates WHERE id = ?").get(id);
      return row ? toTemplate(row) : null;
    });
  }

  listByProject(projectId: string): Promise<TemplateRecord[]> {
    return op(() =>
      this.db
        .prepare<[string], TemplateRow>("SELECT * FROM templates WHERE project_id = ? ORDER BY name_key, id")
        .all(projectId)
        .map(toTemplate),
    );
  }

  countByProject(projectId: string): Promise<number> {
    return op(
      () =>
        this.db
          .prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM templates WHERE project_id = ?")
          .get(projectId)?.n ?? 0,
    );
  }

  update(id: string, patch: TemplatePatch, at: string): Promise<TemplateRecord | null> {
    return op(() => {
      const set = setClause({
        name: patch.name,
        name_key: patch.name === undefined ? undefined : templateNameKey(patch.name),
        description: patch.description,
        language: patch.language,
        prompt: patch.prompt,
        skeleton: patch.skeleton,
        updated_at: at,
      });
      try {
        const row = this.db
          .prepare<unknown[], TemplateRow>(`UPDATE templates SET ${set.sql} WHERE id = ? RETURNING *`)
          .get(...set.params, id);
        return row ? toTemplate(row) : null;
      } catch (error) {
        this.taken(error, patch.name);
      }
    });
  }

  delete(id: string): Promise<boolean> {
    return op(() => this.db.prepare("DELETE FROM templates WHERE id = ?").run(id).changes > 0);
  }
}

interface UsageSumRow {
  notes: number;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  unpriced: number | null;
}

const USAGE_SUMS = `COUNT(*) AS notes, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
  SUM(COALESCE(cost_usd, 0)) AS cost_usd, SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced`;

const toTotals = (r: UsageSumRow | undefined): UsageTotals => ({
  notes: r?.notes ?? 0,
  inputTokens: r?.input_tokens ?? 0,
  outputTokens: r?.output_tokens ?? 0,
  costUsd: r?.cost_usd ?? 0,
  unpriced: r?.unpriced ?? 0,
});

class SqliteUsage implements UsageRepository {
  constructor(private readonly db: Database) {}

  record(entry: UsageRecord): Promise<boolean> {
    return op(
      () =>
        this.db
          .prepare(
            `INSERT INTO usage (note_id, user_id, project_id, provider, model, input_tokens, output_tokens, cost_usd, at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (note_id) DO NOTHING`,
          )
          .run(
            entry.noteId,
            entry.userId,
            entry.projectId,
            entry.provider,
            entry.model,
            entry.inputTokens,
            entry.outputTokens,
            entry.costUsd,
            entry.at,
          ).changes === 1,
    );
  }

  totals(filter: {
    userId?: string | undefined;
    projectId?: string | undefined;
    from: string;
    to: string;
  }): Promise<UsageTotals> {
    return op(() => {
      const where = ["at >= ?", "at < ?"];
      const params: unknown[] = [filter.from, filter.to];
      if (filter.userId !== undefined) {
        where.push("user_id = ?");
        params.push(filter.userId);
      }
      if (filter.projectId !== undefined) {
        where.push("project_id = ?");
        params.push(filter.projectId);
      }
      return toTotals(
        this.db
          .prepare<unknown[], UsageSumRow>(`SELECT ${USAGE_SUMS} FROM usage WHERE ${where.join(" AND ")}`)
          .get(...params),
      );
    });
  }

  totalsByProject(
    userId: string,
    from: string,
    to: string,
  ): Promise<(UsageTotals & { projectId: string })[]> {
    return op(() =>
      this.db
        .prepare<[string, string, string], UsageSumRow & { project_id: string }>(
          `SELECT project_id, ${USAGE_SUMS} FROM usage WHERE user_id = ? AND at >= ? AND at < ?
           GROUP BY project_id ORDER BY project_id`,
        )
        .all(userId, from, to)
        .map((r) => ({ projectId: r.project_id, ...toTotals(r) })),
    );
  }
}

interface IdempotencyRow {
  request_hash: string;
  status: number;
  body: string;
  headers: string;
  created_at: string;
}

/** Status 0 marks a claim whose request is still running. */
const toIdempotencyRecord = (r: IdempotencyRow): IdempotencyRecord => ({
  requestHash: r.request_hash,
  response:
    r.status === 0
      ? null
      : {
          status: r.status,
          body: parseJson(r.body),
          headers: parseJson(r.headers) as Record<string, string>,
        },
  createdAt: r.created_at,
});

class SqliteIdempotency implements IdempotencyRepository {
  constructor(private readonly db: Database) {}

  private row(userId: string, key: string): IdempotencyRow | undefined {
    return this.db
      .prepare<[string, string], IdempotencyRow>(
        "SELECT request_hash, status, body, headers, created_at FROM idempotency_keys WHERE user_id = ? AND key = ?",
      )
      .get(userId, key);
  }

  claim(
    userId: string,
    key: string,
    requestHash: string,
    at: string,
    staleBefore: string,
  ): Promise<IdempotencyRecord | null> {
    return op(() =>
      this.db.transaction(() => {
        // One statement: a new key is inserted, an abandoned claim taken over, anything else kept.
        const claimed = this.db
          .prepare(
            `INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, headers, created_at)
             VALUES (?, ?, ?, 0, 'null', '{}', ?)
             ON CONFLICT (user_id, key) DO UPDATE SET request_hash = excluded.request_hash, created_at = excluded.created_at
             WHERE idempotency_keys.status = 0 AND idempotency_keys.created_at < ?`,
          )
          .run(userId, key, requestHash, at, staleBefore).changes;
        if (claimed === 1) return null;
        const row = this.row(userId, key);
        return row ? toIdempotencyRecord(row) : null;
      })(),
    );
  }

  complete(userId: string, key: string, response: IdempotentResponse): Promise<void> {
    return op(() => {
      this.db
        .prepare(
          "UPDATE idempotency_keys SET status = ?, body = ?, headers = ? WHERE user_id = ? AND key = ?",
        )
        .run(
          response.status,
          JSON.stringify(response.body ?? null),
          JSON.stringify(response.headers),
          userId,
          key,
        );
    });
  }

  release(userId: string, key: string): Promise<void> {
    return op(() => {
      this.db
        .prepare("DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND status = 0")
        .run(userId, key);
    });
  }

  find(userId: string, key: string): Promise<IdempotencyRecord | null> {
    return op(() => {
      const row = this.row(userId, key);
      return row ? toIdempotencyRecord(row) : null;
    });
  }
}

/**
 * The metadata store in one SQLite file (embedded mode). The server and the worker each open their
 * own instance on the same file; WAL lets them read and write concurrently. Deleting a project or a
 * document cascades to its rows; blobs and search entries are the caller's to delete.
 */
export class SqliteRepositories implements Repositories {
  readonly users: UserRepository;
  readonly tokens: ApiTokenRepository;
  readonly projects: ProjectRepository;
  readonly documents: DocumentRepository;
  readonly pages: PageRepository;
  readonly chunks: ChunkRepository;
  readonly notes: NoteRepository;
  readonly templates: TemplateRepository;
  readonly usage: UsageRepository;
  readonly idempotency: IdempotencyRepository;
  private readonly db: Database;

  /** Opens (creating and migrating as needed) the SQLite file at `file`. */
  constructor(file: string) {
    this.db = guard(STORE, () => openDatabase(file));
    guard(STORE, () => {
      runMigrations(this.db, "repositories", REPOSITORY_MIGRATIONS);
    });
    this.users = new SqliteUsers(this.db);
    this.tokens = new SqliteTokens(this.db);
    this.projects = new SqliteProjects(this.db);
    this.documents = new SqliteDocuments(this.db);
    this.pages = new SqlitePages(this.db);
    this.chunks = new SqliteChunks(this.db);
    this.notes = new SqliteNotes(this.db);
    this.templates = new SqliteTemplates(this.db);
    this.usage = new SqliteUsage(this.db);
    this.idempotency = new SqliteIdempotency(this.db);
  }

  /** True when the file answers a trivial query. */
  async ping(): Promise<boolean> {
    return pingDatabase(this.db);
  }

  /** Closes the connection; later calls fail with `service_unavailable`. */
  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
