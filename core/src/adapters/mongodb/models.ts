/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   mongoose's typings declare SchemaTypeOptions as a class, but its documented API (and the only
   way to write a schema) is plain option objects such as `{ type: String, required: true }`. */
import { Schema, type Connection, type Model } from "mongoose";
import type {
  ApiTokenRecord,
  ChunkRecord,
  DocumentRecord,
  NoteRecord,
  PageRecord,
  ProjectRecord,
  TemplateRecord,
  UsageRecord,
  UserRecord,
} from "../../domain/records.ts";

/*
 * The stored shapes (one collection each). Records keep their field names; `id` is stored as `_id`
 * (our string ids). Timestamps stay ISO-8601 strings, as in every store: they sort as text, and a
 * record reads back exactly as written. Indexes are declared here and created by
 * `openMongoRepositories` (autoIndex is off, so index builds never race the first requests).
 */

/** `_id` instead of `id`. */
type Stored<R extends { id: string }> = Omit<R, "id"> & { _id: string };

export type UserDoc = Stored<UserRecord> & {
  /** `email` trimmed and lower-cased: the unique key (FerretDB has no case-insensitive collation). */
  emailKey: string;
};
export type TokenDoc = Stored<ApiTokenRecord>;
export type ProjectDoc = Omit<Stored<ProjectRecord>, "llm"> & {
  /** Absent on projects stored before the setting existed. */
  llm?: ProjectRecord["llm"] | undefined;
  /** Set when a delete has started: the project is gone for every reader (see README). */
  deletingAt: string | null;
};
export interface MembershipDoc {
  projectId: string;
  userId: string;
  role: string;
  addedAt: string;
  /** The project's `createdAt` (never changes), so a user's projects page by membership alone. */
  projectCreatedAt: string;
}
export type DocumentDoc = Stored<DocumentRecord> & {
  /** Set when a delete has started: the document is gone for every reader (see README). */
  deletingAt: string | null;
};
export type PageDoc = PageRecord;
export type ChunkDoc = Stored<ChunkRecord>;
export type NoteDoc = Stored<Omit<NoteRecord, "cacheKey">> & { cacheKey: string | null };
export type TemplateDoc = Stored<TemplateRecord> & {
  /** `name` trimmed and lower-cased: unique per project (FerretDB has no case-insensitive collation). */
  nameKey: string;
};
export type UsageDoc = Omit<UsageRecord, "noteId"> & { _id: string };
/**
 * The right to move one note from `revision - 1` to `revision`, claimed by inserting this document
 * (its `_id` is `<noteId>#<revision>`, so the primary key lets exactly one writer claim it), with
 * the change it stands for. FerretDB v1 applies `findAndModify` non-atomically, so this insert is
 * what serialises note updates there (README.md, "Note revisions").
 */
export interface NoteClaimDoc {
  _id: string;
  noteId: string;
  projectId: string;
  documentId: string;
  revision: number;
  /** The `$set` of the change, so that another writer can finish a claim whose writer crashed. */
  change: Record<string, unknown>;
  /** Wall-clock ms when claimed: a claim older than a minute whose change is missing was abandoned. */
  claimedAt: number;
}

export interface IdempotencyDoc {
  userId: string;
  key: string;
  requestHash: string;
  /** 0 while the first request is still running (a claim). */
  status: number;
  /** The response body as JSON text: any JSON round-trips (keys with `.` or `$` included). */
  body: string;
  /** The replayed response headers as JSON text (absent on keys stored before they were kept). */
  headers?: string;
  createdAt: string;
}

export interface Models {
  users: Model<UserDoc>;
  tokens: Model<TokenDoc>;
  projects: Model<ProjectDoc>;
  memberships: Model<MembershipDoc>;
  documents: Model<DocumentDoc>;
  pages: Model<PageDoc>;
  chunks: Model<ChunkDoc>;
  notes: Model<NoteDoc>;
  noteClaims: Model<NoteClaimDoc>;
  templates: Model<TemplateDoc>;
  usage: Model<UsageDoc>;
  idempotency: Model<IdempotencyDoc>;
}

const OPTIONS = {
  versionKey: false,
  // Keep empty objects and arrays as written (mongoose drops empty objects by default).
  minimize: false,
  // Fail fast instead of queueing operations while disconnected: callers get a 503 at once.
  bufferCommands: false,
  autoIndex: false,
  autoCreate: false,
  strict: true,
} as const;

const id = { type: String, required: true };
const str = { type: String, required: true };
const nullableStr = { type: String, default: null };
const num = { type: Number, required: true };
const nullableNum = { type: Number, default: null };
const mixed = { type: Schema.Types.Mixed, default: null };

/** The schemas and their indexes, compiled on `connection` (each adapter owns its connection). */
export function defineModels(connection: Connection): Models {
  const users = new Schema(
    {
      _id: id,
      email: str,
      emailKey: str,
      name: str,
      passwordHash: nullableStr,
      createdAt: str,
    },
    { ...OPTIONS, collection: "users" },
  );
  users.index({ emailKey: 1 }, { unique: true, name: "users_email_key" });

  const tokens = new Schema(
    {
      _id: id,
      userId: str,
      name: str,
      prefix: str,
      tokenHash: str,
      createdAt: str,
      lastUsedAt: nullableStr,
      expiresAt: nullableStr,
      revokedAt: nullableStr,
    },
    { ...OPTIONS, collection: "api_tokens" },
  );
  tokens.index({ tokenHash: 1 }, { unique: true, name: "api_tokens_hash" });
  tokens.index({ userId: 1, createdAt: -1, _id: -1 }, { name: "api_tokens_user" });

  const projects = new Schema(
    {
      _id: id,
      name: str,
      description: { type: String, default: "" },
      language: str,
      // `{ provider, model? }`, or null (the deployment's default); absent on projects stored before it.
      llm: mixed,
      createdAt: str,
      updatedAt: str,
      deletingAt: nullableStr,
    },
    { ...OPTIONS, collection: "projects" },
  );
  projects.index({ deletingAt: 1 }, { name: "projects_deleting" });

  const memberships = new Schema(
    {
      projectId: str,
      userId: str,
      role: { type: String, required: true, enum: ["owner", "editor", "viewer"] },
      addedAt: str,
      projectCreatedAt: str,
    },
    { ...OPTIONS, collection: "memberships" },
  );
  memberships.index({ projectId: 1, userId: 1 }, { unique: true, name: "memberships_project_user" });
  memberships.index({ userId: 1, projectCreatedAt: -1, projectId: -1 }, { name: "memberships_user" });

  const documents = new Schema(
    {
      _id: id,
      projectId: str,
      filename: str,
      mediaType: str,
      byteSize: num,
      sha256: str,
      blobKey: str,
      status: str,
      progress: mixed,
      error: mixed,
      pageCount: nullableNum,
      metadata: { type: Schema.Types.Mixed, required: true },
      createdBy: str,
      createdAt: str,
      updatedAt: str,
      deletingAt: nullableStr,
    },
    { ...OPTIONS, collection: "documents" },
  );
  documents.index({ projectId: 1, sha256: 1 }, { unique: true, name: "documents_project_sha256" });
  documents.index({ projectId: 1, createdAt: -1, _id: -1 }, { name: "documents_project" });
  documents.index({ deletingAt: 1 }, { name: "documents_deleting" });

  const pages = new Schema(
    {
      documentId: str,
      number: num,
      width: num,
      height: num,
      text: { type: String, default: "" },
      source: str,
      spans: { type: Schema.Types.Mixed, default: [] },
    },
    { ...OPTIONS, collection: "pages" },
  );
  pages.index({ documentId: 1, number: 1 }, { unique: true, name: "pages_document_number" });

  const chunks = new Schema(
    {
      _id: id,
      documentId: str,
      projectId: str,
      ordinal: num,
      text: { type: String, default: "" },
      pageStart: num,
      pageEnd: num,
      section: nullableStr,
      tokenCount: num,
    },
    { ...OPTIONS, collection: "chunks" },
  );
  chunks.index({ documentId: 1, ordinal: 1, _id: 1 }, { name: "chunks_document" });
  chunks.index({ projectId: 1 }, { name: "chunks_project" });

  const notes = new Schema(
    {
      _id: id,
      projectId: str,
      documentId: str,
      template: str,
      language: str,
      status: str,
      title: nullableStr,
      markdown: { type: String, default: "" },
      contentHash: nullableStr,
      generator: mixed,
      citations: mixed,
      error: mixed,
      createdBy: str,
      createdAt: str,
      updatedAt: str,
      cacheKey: nullableStr,
      revision: { type: Number, required: true, default: 1 },
    },
    { ...OPTIONS, collection: "notes" },
  );
  notes.index({ projectId: 1, createdAt: -1, _id: -1 }, { name: "notes_project" });
  notes.index({ documentId: 1 }, { name: "notes_document" });
  notes.index({ projectId: 1, cacheKey: 1, status: 1 }, { name: "notes_cache" });

  const noteClaims = new Schema(
    {
      _id: id,
      noteId: str,
      projectId: str,
      documentId: str,
      revision: num,
      change: { type: Schema.Types.Mixed, required: true },
      claimedAt: num,
    },
    { ...OPTIONS, collection: "note_claims" },
  );
  noteClaims.index({ noteId: 1, revision: 1 }, { name: "note_claims_note" });
  noteClaims.index({ projectId: 1 }, { name: "note_claims_project" });
  noteClaims.index({ documentId: 1 }, { name: "note_claims_document" });

  // Empty strings are valid values here, which `required` would refuse: defaults instead.
  const text = { type: String, default: "" };
  const templates = new Schema(
    {
      _id: id,
      projectId: str,
      name: str,
      nameKey: str,
      description: text,
      language: nullableStr,
      prompt: text,
      skeleton: str,
      createdBy: str,
      createdAt: str,
      updatedAt: str,
    },
    { ...OPTIONS, collection: "templates" },
  );
  // The unique index is what makes concurrent creates and renames safe (FerretDB enforces it atomically).
  templates.index({ projectId: 1, nameKey: 1 }, { unique: true, name: "templates_project_name" });

  const usage = new Schema(
    {
      // The note id: one usage row per note, enforced by the primary key.
      _id: id,
      userId: str,
      projectId: str,
      provider: str,
      model: str,
      inputTokens: num,
      outputTokens: num,
      costUsd: nullableNum,
      at: str,
    },
    { ...OPTIONS, collection: "usage" },
  );
  usage.index({ userId: 1, at: 1 }, { name: "usage_user" });
  usage.index({ projectId: 1, at: 1 }, { name: "usage_project" });

  const idempotency = new Schema(
    {
      userId: str,
      key: str,
      requestHash: str,
      status: num,
      body: str,
      headers: { type: String, default: "{}" },
      createdAt: str,
    },
    { ...OPTIONS, collection: "idempotency_keys" },
  );
  idempotency.index({ userId: 1, key: 1 }, { unique: true, name: "idempotency_user_key" });

  return {
    users: connection.model<UserDoc>("User", users),
    tokens: connection.model<TokenDoc>("ApiToken", tokens),
    projects: connection.model<ProjectDoc>("Project", projects),
    memberships: connection.model<MembershipDoc>("Membership", memberships),
    documents: connection.model<DocumentDoc>("Document", documents),
    pages: connection.model<PageDoc>("Page", pages),
    chunks: connection.model<ChunkDoc>("Chunk", chunks),
    notes: connection.model<NoteDoc>("Note", notes),
    noteClaims: connection.model<NoteClaimDoc>("NoteClaim", noteClaims),
    templates: connection.model<TemplateDoc>("Template", templates),
    usage: connection.model<UsageDoc>("Usage", usage),
    idempotency: connection.model<IdempotencyDoc>("IdempotencyKey", idempotency),
  };
}
