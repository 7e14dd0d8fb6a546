import type {
  DocumentMetadata,
  DocumentStatus,
  EventType,
  JobError,
  JobStatus,
  Language,
  MediaType,
  NoteStatus,
  Progress,
  ProjectLlm,
  QueueName,
  Role,
  TextSpan,
} from "@academic-assist/sdk/contract";

/** Persisted shapes. Timestamps are ISO-8601 strings (UTC) everywhere, so every store round-trips them. */

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string | null;
  createdAt: string;
}

export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  /** sha256 of the secret; the secret itself is never stored. */
  tokenHash: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface ProjectRecord {
  id: string;
  name: string;
  description: string;
  language: Language;
  /** The project's own LLM provider and model; null = the deployment's default (LLM_PROVIDER). */
  llm: ProjectLlm | null;
  createdAt: string;
  updatedAt: string;
}

export interface MembershipRecord {
  projectId: string;
  userId: string;
  role: Role;
  addedAt: string;
}

export interface DocumentRecord {
  id: string;
  projectId: string;
  filename: string;
  mediaType: MediaType;
  byteSize: number;
  sha256: string;
  /** Where the bytes are in the BlobStore; made by the server, never from the file name. */
  blobKey: string;
  status: DocumentStatus;
  progress: Progress | null;
  error: JobError | null;
  pageCount: number | null;
  metadata: DocumentMetadata;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface PageRecord {
  documentId: string;
  number: number;
  width: number;
  height: number;
  text: string;
  source: "text" | "ocr";
  spans: TextSpan[];
}

export interface ChunkRecord {
  id: string;
  documentId: string;
  projectId: string;
  ordinal: number;
  text: string;
  pageStart: number;
  pageEnd: number;
  section: string | null;
  tokenCount: number;
}

export interface NoteCitationStats {
  total: number;
  verified: number;
  unverified: number;
}

export interface NoteRecord {
  id: string;
  projectId: string;
  documentId: string;
  template: string;
  language: Language;
  status: NoteStatus;
  title: string | null;
  markdown: string;
  contentHash: string | null;
  generator: { provider: string; model: string } | null;
  citations: NoteCitationStats | null;
  error: JobError | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /**
   * Optimistic-concurrency version: 1 when created, one more on every update (generation and user
   * edits alike). The note's ETag is `"<revision>"`.
   */
  revision: number;
  /**
   * Identity of the generation request (document sha256, template, language, provider, model),
   * hashed; a ready note with the same key in the same project is copied instead of generated again.
   */
  cacheKey?: string | null | undefined;
}

/** A project's custom note template (see `notes/custom-templates.ts` for the skeleton syntax). */
export interface TemplateRecord {
  /** Server-made, `tpl_…`. */
  id: string;
  projectId: string;
  /** Unique in the project ignoring case (stores compare `name.toLowerCase()`). */
  name: string;
  description: string;
  /** Notes are written in this language unless the request says otherwise; null: the project's. */
  language: Language | null;
  prompt: string;
  skeleton: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** A note as handed to `notes.create`: the store sets `revision` to 1. */
export type NewNoteRecord = Omit<NoteRecord, "revision">;

/** What one generated note cost: recorded once per note (keyed by `noteId`) when it becomes ready. */
export interface UsageRecord {
  noteId: string;
  /** The note's creator (`note.createdBy`), whose monthly budget it counts against. */
  userId: string;
  projectId: string;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** USD; null when the model's price is unknown. */
  costUsd: number | null;
  /** ISO timestamp of completion. */
  at: string;
}

/** Sums of usage rows. Unknown prices count as 0 in `costUsd` and are counted in `unpriced`. */
export interface UsageTotals {
  notes: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpriced: number;
}

export interface JobRecord<P = unknown> {
  id: string;
  queue: QueueName;
  status: JobStatus;
  payload: P;
  idempotencyKey: string;
  projectId: string;
  documentId: string | null;
  noteId: string | null;
  attempts: number;
  maxAttempts: number;
  progress: Progress | null;
  error: JobError | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface EventRecord {
  id: string;
  type: EventType;
  projectId: string;
  documentId: string | null;
  jobId: string | null;
  noteId: string | null;
  data: Record<string, unknown>;
  at: string;
}

export type NewEvent = Omit<EventRecord, "id" | "at">;

/** Payloads of the three queues. */
export interface DocumentProcessingPayload {
  documentId: string;
}
export interface IndexingPayload {
  documentId: string;
}
export interface LlmGenerationPayload {
  noteId: string;
}
export interface QueuePayloads {
  document_processing: DocumentProcessingPayload;
  indexing: IndexingPayload;
  llm_generation: LlmGenerationPayload;
}
