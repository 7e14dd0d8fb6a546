import type { Page, Role } from "@academic-assist/sdk/contract";
import type {
  ApiTokenRecord,
  ChunkRecord,
  DocumentRecord,
  MembershipRecord,
  NewNoteRecord,
  NoteRecord,
  PageRecord,
  ProjectRecord,
  TemplateRecord,
  UsageRecord,
  UsageTotals,
  UserRecord,
} from "../domain/records.ts";

/** Cursor pagination input shared by every list: newest first, `cursor` from the previous page. */
export interface ListOptions {
  limit: number;
  cursor?: string | undefined;
}

export interface UserRepository {
  /** Creates a user; throws AppError `email_taken` when the (case-insensitive) email exists. */
  create(user: UserRecord): Promise<UserRecord>;
  /** The user with this id, or null. */
  findById(id: string): Promise<UserRecord | null>;
  /** The user with this email (case-insensitive), or null. */
  findByEmail(email: string): Promise<UserRecord | null>;
  /** How many users exist (first-start bootstrap uses it). */
  count(): Promise<number>;
}

export interface ApiTokenRepository {
  /** Stores a token (its hash only). */
  create(token: ApiTokenRecord): Promise<ApiTokenRecord>;
  /** The live (not revoked) token with this hash, or null. Expiry is checked by the caller. */
  findByHash(tokenHash: string): Promise<ApiTokenRecord | null>;
  /** The user's tokens, revoked ones excluded, newest first. */
  listByUser(userId: string): Promise<ApiTokenRecord[]>;
  /** Revokes the user's token; false when the user has no live token with this id. */
  revoke(userId: string, tokenId: string, at: string): Promise<boolean>;
  /** Records a use, at most about once a minute per token. */
  touch(tokenId: string, at: string): Promise<void>;
}

export interface ProjectRepository {
  /** Creates a project and makes `ownerId` its owner, atomically. */
  create(project: ProjectRecord, ownerId: string): Promise<ProjectRecord>;
  findById(id: string): Promise<ProjectRecord | null>;
  /**
   * Applies a partial update (`llm: null` clears the project's provider choice); returns the new
   * record, or null when the project does not exist.
   */
  update(
    id: string,
    patch: Partial<Pick<ProjectRecord, "name" | "description" | "language" | "llm">>,
    at: string,
  ): Promise<ProjectRecord | null>;
  /** Deletes the project row, its memberships, documents, pages, chunks, notes and templates. Blobs and index entries are the caller's. */
  delete(id: string): Promise<void>;
  /** Projects the user is a member of, with the user's role, newest first. */
  listForUser(userId: string, options: ListOptions): Promise<Page<ProjectRecord & { role: Role }>>;
  /** The user's role in the project, or null when not a member (or no such project). */
  roleOf(projectId: string, userId: string): Promise<Role | null>;
  /** Ids of every project the user belongs to. */
  projectIdsForUser(userId: string): Promise<string[]>;
  listMembers(projectId: string): Promise<(MembershipRecord & { email: string; name: string })[]>;
  /** Adds a member; throws AppError `conflict` when already a member. */
  addMember(membership: MembershipRecord): Promise<void>;
  /** Changes a member's role; false when not a member. */
  updateMember(projectId: string, userId: string, role: Role): Promise<boolean>;
  /** Removes a member; false when not a member. */
  removeMember(projectId: string, userId: string): Promise<boolean>;
}

export interface DocumentRepository {
  /**
   * Inserts a document. When the project already holds a document with the same sha256, nothing is
   * inserted and that document is returned with `created: false` (dedupe is atomic).
   */
  createOrGetBySha(doc: DocumentRecord): Promise<{ document: DocumentRecord; created: boolean }>;
  findById(id: string): Promise<DocumentRecord | null>;
  /** Documents of a project, newest first. */
  listByProject(
    projectId: string,
    options: ListOptions & { status?: string | undefined },
  ): Promise<Page<DocumentRecord>>;
  /** Applies a partial update and returns the new record (null when gone). */
  update(
    id: string,
    patch: Partial<Pick<DocumentRecord, "status" | "progress" | "error" | "pageCount" | "metadata">>,
    at: string,
  ): Promise<DocumentRecord | null>;
  /** Deletes the document with its pages, chunks and notes. */
  delete(id: string): Promise<void>;
  /** Documents by id (missing ids skipped), for search results. */
  findMany(ids: string[]): Promise<DocumentRecord[]>;
}

export interface PageRepository {
  /** Replaces every page of the document (idempotent: a re-run writes the same rows). */
  replaceAll(documentId: string, pages: PageRecord[]): Promise<void>;
  /** Pages `from`..`to` (inclusive, 1-based) in order. */
  list(documentId: string, from?: number, to?: number): Promise<PageRecord[]>;
}

export interface ChunkRepository {
  /** Replaces every chunk of the document (idempotent). */
  replaceAll(documentId: string, chunks: ChunkRecord[]): Promise<void>;
  /** All chunks of the document in reading order. */
  listByDocument(documentId: string): Promise<ChunkRecord[]>;
}

/** What a user's edit of a note may change. */
export type NoteEdit = Partial<Pick<NoteRecord, "title" | "markdown" | "contentHash">>;

export interface NoteRepository {
  /** Stores a new note at revision 1; throws AppError `conflict` when the id exists. */
  create(note: NewNoteRecord): Promise<NoteRecord>;
  findById(id: string): Promise<NoteRecord | null>;
  listByProject(
    projectId: string,
    options: ListOptions & { documentId?: string | undefined },
  ): Promise<Page<NoteRecord>>;
  /** Applies a partial update, bumps `revision`, and returns the new record (null when gone). */
  update(
    id: string,
    patch: Partial<
      Pick<NoteRecord, "status" | "title" | "markdown" | "contentHash" | "generator" | "citations" | "error">
    >,
    at: string,
  ): Promise<NoteRecord | null>;
  /**
   * Compare-and-set for user edits: applies `patch` and bumps `revision` only when the note is still
   * at `expectedRevision`, atomically (of two concurrent calls with the same expected revision,
   * exactly one succeeds). Returns the new record, or null when the note is gone or at another
   * revision (nothing is written then).
   */
  updateIfRevision(
    id: string,
    expectedRevision: number,
    patch: NoteEdit,
    at: string,
  ): Promise<NoteRecord | null>;
  delete(id: string): Promise<void>;
  /** The newest `ready` note of the project with this cache key, or null. */
  findReadyByCacheKey(projectId: string, cacheKey: string): Promise<NoteRecord | null>;
}

/** What an update of a custom template may change. */
export type TemplatePatch = Partial<
  Pick<TemplateRecord, "name" | "description" | "language" | "prompt" | "skeleton">
>;

/** A project's custom note templates. Deleting the project deletes them. */
export interface TemplateRepository {
  /**
   * Stores a new template. Throws AppError `conflict` when the project already has a template of
   * the same name ignoring case (atomically: of two concurrent creates, one fails), `not_found`
   * when the project does not exist.
   */
  create(template: TemplateRecord): Promise<TemplateRecord>;
  /** The template with this id, or null. */
  findById(id: string): Promise<TemplateRecord | null>;
  /** Every template of the project, by name (case-insensitive), then id. */
  listByProject(projectId: string): Promise<TemplateRecord[]>;
  /** How many templates the project has. */
  countByProject(projectId: string): Promise<number>;
  /**
   * Applies a partial update and sets `updatedAt`; returns the new record, or null when gone.
   * Throws AppError `conflict` when the new name is taken in the project (ignoring case).
   */
  update(id: string, patch: TemplatePatch, at: string): Promise<TemplateRecord | null>;
  /** Deletes the template; false when it did not exist. */
  delete(id: string): Promise<boolean>;
}

/** LLM usage per generated note. Rows outlive their note, project and user (they are spending history). */
export interface UsageRepository {
  /** Records a note's usage; a second record for the same `noteId` is ignored (false). */
  record(entry: UsageRecord): Promise<boolean>;
  /** Totals over `[from, to)` (ISO timestamps), of one user and/or one project. */
  totals(filter: {
    userId?: string | undefined;
    projectId?: string | undefined;
    from: string;
    to: string;
  }): Promise<UsageTotals>;
  /** The user's totals over `[from, to)` per project, projects with usage only. */
  totalsByProject(userId: string, from: string, to: string): Promise<(UsageTotals & { projectId: string })[]>;
}

/** The answer stored for an `Idempotency-Key`, replayed to a retry. */
export interface IdempotentResponse {
  status: number;
  body: unknown;
  /** Response headers replayed with it (`ETag`…). */
  headers: Record<string, string>;
}

/** An `Idempotency-Key` of one user: claimed while its first request runs, then holding its answer. */
export interface IdempotencyRecord {
  /** What the key was first used for (method, URL and body, hashed): another request is a conflict. */
  requestHash: string;
  /** null while the first request is still running. */
  response: IdempotentResponse | null;
  createdAt: string;
}

/**
 * Remembers the answer to a mutating request sent with `Idempotency-Key`. Keys are opaque here; the
 * caller scopes them (the server prefixes the endpoint).
 */
export interface IdempotencyRepository {
  /**
   * Claims (user, key) for a request about to run, atomically across processes. Resolves null when
   * this call holds the claim: the key is new, or its earlier claim was made before `staleBefore` and
   * never finished (its process died) and is taken over. Otherwise resolves the existing record: a
   * claim in flight (`response: null`) or the stored answer.
   */
  claim(
    userId: string,
    key: string,
    requestHash: string,
    at: string,
    staleBefore: string,
  ): Promise<IdempotencyRecord | null>;
  /** Stores the answer of a claimed key; later claims of it resolve this record. */
  complete(userId: string, key: string, response: IdempotentResponse): Promise<void>;
  /** Drops a claim still in flight (its request failed, so a retry may run it); a stored answer stays. */
  release(userId: string, key: string): Promise<void>;
  /** The record of (user, key), or null. */
  find(userId: string, key: string): Promise<IdempotencyRecord | null>;
}

/** Every repository of one metadata store. */
export interface Repositories {
  users: UserRepository;
  tokens: ApiTokenRepository;
  projects: ProjectRepository;
  documents: DocumentRepository;
  pages: PageRepository;
  chunks: ChunkRepository;
  notes: NoteRepository;
  templates: TemplateRepository;
  usage: UsageRepository;
  idempotency: IdempotencyRepository;
  /** True when the store answers (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
