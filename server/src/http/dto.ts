import type {
  ApiTokenRecord,
  DocumentRecord,
  EventRecord,
  JobRecord,
  NoteRecord,
  ProjectRecord,
  TemplateRecord,
  UserRecord,
} from "@academic-assist/core";
import { parseSkeleton } from "@academic-assist/core";
import type {
  ApiToken,
  CustomTemplate,
  Document,
  Event,
  Job,
  Note,
  Project,
  Role,
  User,
} from "@academic-assist/sdk/contract";

/** Records → API shapes. Internal fields (hashes, blob keys, payloads) never leave the server. */

export const toUserDto = (u: UserRecord): User => ({
  id: u.id,
  email: u.email,
  name: u.name,
  createdAt: u.createdAt,
});

export const toApiTokenDto = (t: ApiTokenRecord): ApiToken => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  createdAt: t.createdAt,
  lastUsedAt: t.lastUsedAt,
  expiresAt: t.expiresAt,
});

export const toProjectDto = (p: ProjectRecord, role: Role): Project => ({
  id: p.id,
  name: p.name,
  description: p.description,
  language: p.language,
  llm: p.llm,
  role,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

export const toDocumentDto = (d: DocumentRecord): Document => ({
  id: d.id,
  projectId: d.projectId,
  filename: d.filename,
  mediaType: d.mediaType,
  byteSize: d.byteSize,
  sha256: d.sha256,
  status: d.status,
  progress: d.progress,
  error: d.error,
  pageCount: d.pageCount,
  metadata: d.metadata,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

export const toJobDto = (j: JobRecord): Job => ({
  id: j.id,
  queue: j.queue,
  status: j.status,
  projectId: j.projectId,
  documentId: j.documentId,
  noteId: j.noteId,
  attempts: j.attempts,
  maxAttempts: j.maxAttempts,
  progress: j.progress,
  error: j.error,
  createdAt: j.createdAt,
  updatedAt: j.updatedAt,
  finishedAt: j.finishedAt,
});

export const toNoteDto = (n: NoteRecord): Note => ({
  id: n.id,
  projectId: n.projectId,
  documentId: n.documentId,
  template: n.template,
  language: n.language,
  status: n.status,
  title: n.title,
  markdown: n.markdown,
  contentHash: n.contentHash,
  revision: n.revision,
  generator: n.generator,
  citations: n.citations,
  error: n.error,
  createdAt: n.createdAt,
  updatedAt: n.updatedAt,
});

export const toEventDto = (e: EventRecord): Event => ({ ...e });

export const toCustomTemplateDto = (t: TemplateRecord): CustomTemplate => ({
  id: t.id,
  projectId: t.projectId,
  name: t.name,
  description: t.description,
  language: t.language,
  prompt: t.prompt,
  skeleton: t.skeleton,
  sections: parseSkeleton(t.skeleton).sections.map((s) => s.heading),
  builtIn: false,
  createdBy: t.createdBy,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});
