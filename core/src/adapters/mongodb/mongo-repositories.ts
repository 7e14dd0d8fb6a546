import type { DocumentStatus, Page, Role } from "@academic-assist/sdk/contract";
import mongoose, { type Connection } from "mongoose";
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
} from "../../domain/records.ts";
import { AppError, conflict, notFound, unavailable } from "../../errors/app-error.ts";
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
import { decodeCursor, toPage, type CursorPosition } from "../cursor.ts";
import { guard, isDuplicateKey, isUniqueViolation } from "./errors.ts";
import {
  defineModels,
  type ChunkDoc,
  type DocumentDoc,
  type Models,
  type NoteDoc,
  type PageDoc,
  type ProjectDoc,
  type IdempotencyDoc,
  type TemplateDoc,
  type TokenDoc,
  type UserDoc,
} from "./models.ts";

const STORE = "The metadata store";

/** Runs a repository operation with driver errors translated at this edge. */
const op = <T>(fn: () => Promise<T>): Promise<T> => guard(STORE, fn);

const emailKey = (email: string): string => email.trim().toLowerCase();

/** A patch without its undefined entries (`$set: { x: undefined }` would mean different things to different drivers). */
function defined<T extends Record<string, unknown>>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Filter for items strictly after `position` in newest-first (createdAt, id) order. Strings compare
 * by code point in MongoDB and in SQLite alike, so pages match the SQLite adapter's exactly.
 */
function after(
  position: CursorPosition | null,
  createdField = "createdAt",
  idField = "_id",
): Record<string, unknown> {
  if (!position) return {};
  return {
    $or: [
      { [createdField]: { $lt: position.createdAt } },
      { [createdField]: position.createdAt, [idField]: { $lt: position.id } },
    ],
  };
}

const positionOf = (cursor: string | undefined): CursorPosition | null =>
  cursor === undefined || cursor === "" ? null : decodeCursor(cursor);

// --- documents → records -----------------------------------------------------------------------

const toUser = (d: UserDoc): UserRecord => ({
  id: d._id,
  email: d.email,
  name: d.name,
  passwordHash: d.passwordHash ?? null,
  createdAt: d.createdAt,
});

const toToken = (d: TokenDoc): ApiTokenRecord => ({
  id: d._id,
  userId: d.userId,
  name: d.name,
  prefix: d.prefix,
  tokenHash: d.tokenHash,
  createdAt: d.createdAt,
  lastUsedAt: d.lastUsedAt ?? null,
  expiresAt: d.expiresAt ?? null,
  revokedAt: d.revokedAt ?? null,
});

const toProject = (d: ProjectDoc): ProjectRecord => ({
  id: d._id,
  name: d.name,
  description: d.description,
  language: d.language,
  llm: d.llm ?? null,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const toDocument = (d: DocumentDoc): DocumentRecord => ({
  id: d._id,
  projectId: d.projectId,
  filename: d.filename,
  mediaType: d.mediaType,
  byteSize: d.byteSize,
  sha256: d.sha256,
  blobKey: d.blobKey,
  status: d.status,
  progress: d.progress ?? null,
  error: d.error ?? null,
  pageCount: d.pageCount ?? null,
  metadata: d.metadata,
  createdBy: d.createdBy,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const toPageRecord = (d: PageDoc): PageRecord => ({
  documentId: d.documentId,
  number: d.number,
  width: d.width,
  height: d.height,
  text: d.text,
  source: d.source,
  spans: d.spans,
});

const toChunk = (d: ChunkDoc): ChunkRecord => ({
  id: d._id,
  documentId: d.documentId,
  projectId: d.projectId,
  ordinal: d.ordinal,
  text: d.text,
  pageStart: d.pageStart,
  pageEnd: d.pageEnd,
  section: d.section ?? null,
  tokenCount: d.tokenCount,
});

const toNote = (d: NoteDoc): NoteRecord => ({
  id: d._id,
  projectId: d.projectId,
  documentId: d.documentId,
  template: d.template,
  language: d.language,
  status: d.status,
  title: d.title ?? null,
  markdown: d.markdown,
  contentHash: d.contentHash ?? null,
  generator: d.generator ?? null,
  citations: d.citations ?? null,
  error: d.error ?? null,
  createdBy: d.createdBy,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  revision: d.revision,
  ...(d.cacheKey ? { cacheKey: d.cacheKey } : {}),
});

const LIVE = { deletingAt: null };
const AFTER_UPDATE = { returnDocument: "after" } as const;

// --- repositories ------------------------------------------------------------------------------

class MongoUsers implements UserRepository {
  constructor(private readonly m: Models) {}

  create(user: UserRecord): Promise<UserRecord> {
    return op(async () => {
      try {
        await this.m.users.create({
          _id: user.id,
          email: user.email,
          emailKey: emailKey(user.email),
          name: user.name,
          passwordHash: user.passwordHash,
          createdAt: user.createdAt,
        });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // FerretDB does not say which index was violated: ask.
        if (await this.m.users.exists({ _id: user.id }))
          throw conflict(`A user with id ${user.id} already exists.`);
        throw new AppError("email_taken", "An account with this email already exists.", { cause: error });
      }
      return { ...user };
    });
  }

  findById(id: string): Promise<UserRecord | null> {
    return op(async () => {
      const d = await this.m.users.findById(id).lean<UserDoc>().exec();
      return d ? toUser(d) : null;
    });
  }

  findByEmail(email: string): Promise<UserRecord | null> {
    return op(async () => {
      const d = await this.m.users
        .findOne({ emailKey: emailKey(email) })
        .lean<UserDoc>()
        .exec();
      return d ? toUser(d) : null;
    });
  }

  count(): Promise<number> {
    return op(() => this.m.users.countDocuments().exec());
  }
}

/** Minimum time between two recorded uses of one token, so authentication does not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

class MongoTokens implements ApiTokenRepository {
  constructor(private readonly m: Models) {}

  create(token: ApiTokenRecord): Promise<ApiTokenRecord> {
    return op(async () => {
      const { id, ...rest } = token;
      try {
        await this.m.tokens.create({ _id: id, ...rest });
      } catch (error) {
        if (isDuplicateKey(error)) throw conflict("This token already exists.");
        throw error;
      }
      return { ...token };
    });
  }

  findByHash(tokenHash: string): Promise<ApiTokenRecord | null> {
    return op(async () => {
      const d = await this.m.tokens.findOne({ tokenHash, revokedAt: null }).lean<TokenDoc>().exec();
      return d ? toToken(d) : null;
    });
  }

  listByUser(userId: string): Promise<ApiTokenRecord[]> {
    return op(async () => {
      const docs = await this.m.tokens
        .find({ userId, revokedAt: null })
        .sort({ createdAt: -1, _id: -1 })
        .lean<TokenDoc[]>()
        .exec();
      return docs.map(toToken);
    });
  }

  revoke(userId: string, tokenId: string, at: string): Promise<boolean> {
    return op(async () => {
      const r = await this.m.tokens
        .updateOne({ _id: tokenId, userId, revokedAt: null }, { $set: { revokedAt: at } })
        .exec();
      return r.matchedCount > 0;
    });
  }

  touch(tokenId: string, at: string): Promise<void> {
    return op(async () => {
      const threshold = new Date(Date.parse(at) - TOUCH_INTERVAL_MS).toISOString();
      await this.m.tokens
        .updateOne(
          { _id: tokenId, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lte: threshold } }] },
          { $set: { lastUsedAt: at } },
        )
        .exec();
    });
  }
}

/**
 * Projects and memberships. FerretDB v1 has no multi-document transactions, so writes that span
 * documents are ordered so that a crash between two of them never leaves a state a reader can see
 * as inconsistent (README.md, "Without transactions").
 */
class MongoProjects implements ProjectRepository {
  constructor(private readonly m: Models) {}

  /** The live (not being deleted) project, or null. */
  private live(id: string): Promise<ProjectDoc | null> {
    return this.m.projects
      .findOne({ _id: id, ...LIVE })
      .lean<ProjectDoc>()
      .exec();
  }

  create(project: ProjectRecord, ownerId: string): Promise<ProjectRecord> {
    return op(async () => {
      if (!(await this.m.users.exists({ _id: ownerId }))) throw notFound("user", ownerId);
      const { id, ...rest } = project;
      // 1. The project, which nobody can see yet: every read goes through a membership.
      try {
        await this.m.projects.create({ _id: id, ...rest, deletingAt: null });
      } catch (error) {
        if (isDuplicateKey(error)) throw conflict(`A project with id ${project.id} already exists.`);
        throw error;
      }
      // 2. The owner's membership makes it visible, complete. A crash before this leaves an
      //    invisible project with no members (harmless; see README).
      try {
        await this.m.memberships.create({
          projectId: id,
          userId: ownerId,
          role: "owner",
          addedAt: project.createdAt,
          projectCreatedAt: project.createdAt,
        });
      } catch (error) {
        await this.m.projects
          .deleteOne({ _id: id })
          .exec()
          .catch(() => undefined);
        throw error;
      }
      return { ...project };
    });
  }

  findById(id: string): Promise<ProjectRecord | null> {
    return op(async () => {
      const d = await this.live(id);
      return d ? toProject(d) : null;
    });
  }

  update(
    id: string,
    patch: Partial<Pick<ProjectRecord, "name" | "description" | "language" | "llm">>,
    at: string,
  ): Promise<ProjectRecord | null> {
    return op(async () => {
      const d = await this.m.projects
        .findOneAndUpdate(
          { _id: id, ...LIVE },
          {
            $set: defined({
              name: patch.name,
              description: patch.description,
              language: patch.language,
              // null is kept (it clears the choice); only undefined means "unchanged".
              llm: patch.llm,
              updatedAt: at,
            }),
          },
          AFTER_UPDATE,
        )
        .lean<ProjectDoc>()
        .exec();
      return d ? toProject(d) : null;
    });
  }

  delete(id: string): Promise<void> {
    return op(() => deleteProject(this.m, id));
  }

  listForUser(userId: string, options: ListOptions): Promise<Page<ProjectRecord & { role: Role }>> {
    return op(async () => {
      const wanted = options.limit + 1;
      const found: (ProjectRecord & { role: Role })[] = [];
      let position = positionOf(options.cursor);
      // Memberships of projects being deleted are skipped, so a batch may come up short: read on.
      for (;;) {
        const memberships = await this.m.memberships
          .find({ userId, ...after(position, "projectCreatedAt", "projectId") })
          .sort({ projectCreatedAt: -1, projectId: -1 })
          .limit(wanted)
          .lean()
          .exec();
        const projects = await this.m.projects
          .find({ _id: { $in: memberships.map((m) => m.projectId) }, ...LIVE })
          .lean<ProjectDoc[]>()
          .exec();
        const byId = new Map(projects.map((p) => [p._id, p]));
        for (const m of memberships) {
          const p = byId.get(m.projectId);
          if (p && found.length < wanted) found.push({ ...toProject(p), role: m.role as Role });
        }
        const last = memberships[memberships.length - 1];
        if (found.length >= wanted || memberships.length < wanted || !last) break;
        position = { createdAt: last.projectCreatedAt, id: last.projectId };
      }
      return toPage(found, options.limit);
    });
  }

  roleOf(projectId: string, userId: string): Promise<Role | null> {
    return op(async () => {
      const [membership, project] = await Promise.all([
        this.m.memberships.findOne({ projectId, userId }).lean().exec(),
        this.m.projects.exists({ _id: projectId, ...LIVE }).exec(),
      ]);
      return membership && project ? (membership.role as Role) : null;
    });
  }

  projectIdsForUser(userId: string): Promise<string[]> {
    return op(async () => {
      const memberships = await this.m.memberships.find({ userId }, { projectId: 1 }).lean().exec();
      const live = await this.m.projects
        .find({ _id: { $in: memberships.map((m) => m.projectId) }, ...LIVE }, { _id: 1 })
        .lean<{ _id: string }[]>()
        .exec();
      return live.map((p) => p._id).sort();
    });
  }

  listMembers(projectId: string): Promise<(MembershipRecord & { email: string; name: string })[]> {
    return op(async () => {
      const memberships = await this.m.memberships
        .find({ projectId })
        .sort({ addedAt: 1, userId: 1 })
        .lean()
        .exec();
      const users = await this.m.users
        .find({ _id: { $in: memberships.map((m) => m.userId) } })
        .lean<UserDoc[]>()
        .exec();
      const byId = new Map(users.map((u) => [u._id, u]));
      return memberships.flatMap((m) => {
        const u = byId.get(m.userId);
        return u
          ? [
              {
                projectId: m.projectId,
                userId: m.userId,
                role: m.role as Role,
                addedAt: m.addedAt,
                email: u.email,
                name: u.name,
              },
            ]
          : [];
      });
    });
  }

  addMember(membership: MembershipRecord): Promise<void> {
    return op(async () => {
      const [project, user] = await Promise.all([
        this.live(membership.projectId),
        this.m.users.exists({ _id: membership.userId }).exec(),
      ]);
      if (!project || !user) throw new AppError("not_found", "No such project or user.");
      try {
        await this.m.memberships.create({ ...membership, projectCreatedAt: project.createdAt });
      } catch (error) {
        if (isDuplicateKey(error)) throw conflict("This user is already a member of the project.");
        throw error;
      }
    });
  }

  updateMember(projectId: string, userId: string, role: Role): Promise<boolean> {
    return op(async () => {
      const r = await this.m.memberships.updateOne({ projectId, userId }, { $set: { role } }).exec();
      return r.matchedCount > 0;
    });
  }

  removeMember(projectId: string, userId: string): Promise<boolean> {
    return op(async () => {
      const r = await this.m.memberships.deleteOne({ projectId, userId }).exec();
      return r.deletedCount > 0;
    });
  }
}

/**
 * Deletes a project and everything in it, in an order that is safe without transactions:
 * 1. tombstone the project (`deletingAt`): from here on every read treats it as gone;
 * 2. its memberships, notes, templates, chunks, pages and documents;
 * 3. the project itself.
 * A crash after 1 leaves a tombstone that {@link MongoRepositories.finishInterruptedDeletes} (run on
 * every open) or a second call completes. Idempotent.
 */
async function deleteProject(m: Models, id: string, at = new Date().toISOString()): Promise<void> {
  await m.projects.updateOne({ _id: id }, { $set: { deletingAt: at } }).exec();
  await m.memberships.deleteMany({ projectId: id }).exec();
  await m.notes.deleteMany({ projectId: id }).exec();
  await m.noteClaims.deleteMany({ projectId: id }).exec();
  await m.templates.deleteMany({ projectId: id }).exec();
  await m.chunks.deleteMany({ projectId: id }).exec();
  const docIds = (await m.documents.find({ projectId: id }, { _id: 1 }).lean<{ _id: string }[]>().exec()).map(
    (d) => d._id,
  );
  if (docIds.length > 0) await m.pages.deleteMany({ documentId: { $in: docIds } }).exec();
  await m.documents.deleteMany({ projectId: id }).exec();
  await m.projects.deleteOne({ _id: id }).exec();
}

/**
 * Deletes a document with its notes, chunks and pages, in an order that is safe without
 * transactions:
 * 1. its notes (a crash here leaves the document with fewer notes: a state a user can make too);
 * 2. tombstone the document (`deletingAt`): from here on every read treats it as gone;
 * 3. notes created meanwhile, chunks and pages;
 * 4. the document itself (which frees its sha256 for a new upload).
 * Idempotent; an interrupted delete is completed on the next open or a re-upload of the same bytes.
 */
async function deleteDocument(m: Models, id: string, at = new Date().toISOString()): Promise<void> {
  await m.notes.deleteMany({ documentId: id }).exec();
  await m.documents.updateOne({ _id: id }, { $set: { deletingAt: at } }).exec();
  await m.notes.deleteMany({ documentId: id }).exec();
  await m.noteClaims.deleteMany({ documentId: id }).exec();
  await m.chunks.deleteMany({ documentId: id }).exec();
  await m.pages.deleteMany({ documentId: id }).exec();
  await m.documents.deleteOne({ _id: id }).exec();
}

class MongoDocuments implements DocumentRepository {
  constructor(private readonly m: Models) {}

  createOrGetBySha(doc: DocumentRecord): Promise<{ document: DocumentRecord; created: boolean }> {
    return op(async () => {
      if (!(await this.m.projects.exists({ _id: doc.projectId, ...LIVE })))
        throw new AppError("not_found", `No project with id ${doc.projectId}.`);
      const { id, ...rest } = doc;
      // Two rounds at most: the second after finishing an interrupted delete of the same bytes.
      for (let round = 0; ; round++) {
        try {
          await this.m.documents.create({ _id: id, ...rest, deletingAt: null });
          return { document: { ...doc }, created: true };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          // The unique (projectId, sha256) index makes concurrent uploads of the same bytes race
          // to one winner; the losers return the winner's document.
          const existing = await this.m.documents
            .findOne({ projectId: doc.projectId, sha256: doc.sha256 })
            .lean<DocumentDoc>()
            .exec();
          if (!existing) throw conflict(`A document with id ${doc.id} already exists.`);
          if (existing.deletingAt === null) return { document: toDocument(existing), created: false };
          if (round > 0) throw error;
          await deleteDocument(this.m, existing._id);
        }
      }
    });
  }

  findById(id: string): Promise<DocumentRecord | null> {
    return op(async () => {
      const d = await this.m.documents
        .findOne({ _id: id, ...LIVE })
        .lean<DocumentDoc>()
        .exec();
      return d ? toDocument(d) : null;
    });
  }

  listByProject(
    projectId: string,
    options: ListOptions & { status?: string | undefined },
  ): Promise<Page<DocumentRecord>> {
    return op(async () => {
      const docs = await this.m.documents
        .find({
          projectId,
          ...LIVE,
          ...(options.status === undefined ? {} : { status: options.status as DocumentStatus }),
          ...after(positionOf(options.cursor)),
        })
        .sort({ createdAt: -1, _id: -1 })
        .limit(options.limit + 1)
        .lean<DocumentDoc[]>()
        .exec();
      return toPage(docs.map(toDocument), options.limit);
    });
  }

  update(
    id: string,
    patch: Partial<Pick<DocumentRecord, "status" | "progress" | "error" | "pageCount" | "metadata">>,
    at: string,
  ): Promise<DocumentRecord | null> {
    return op(async () => {
      const d = await this.m.documents
        .findOneAndUpdate(
          { _id: id, ...LIVE },
          {
            $set: defined({
              status: patch.status,
              progress: patch.progress,
              error: patch.error,
              pageCount: patch.pageCount,
              metadata: patch.metadata,
              updatedAt: at,
            }),
          },
          AFTER_UPDATE,
        )
        .lean<DocumentDoc>()
        .exec();
      return d ? toDocument(d) : null;
    });
  }

  delete(id: string): Promise<void> {
    return op(() => deleteDocument(this.m, id));
  }

  findMany(ids: string[]): Promise<DocumentRecord[]> {
    return op(async () => {
      if (ids.length === 0) return [];
      const docs = await this.m.documents
        .find({ _id: { $in: ids }, ...LIVE })
        .lean<DocumentDoc[]>()
        .exec();
      return docs.map(toDocument);
    });
  }
}

class MongoPages implements PageRepository {
  constructor(private readonly m: Models) {}

  replaceAll(documentId: string, pages: PageRecord[]): Promise<void> {
    return op(async () => {
      // Upsert the new set, then drop pages not in it: each page is replaced atomically, and a
      // crash in between leaves a superset that the job's retry (at-least-once) makes exact.
      if (pages.length > 0) {
        await this.m.pages.bulkWrite(
          pages.map((p) => ({
            replaceOne: {
              filter: { documentId, number: p.number },
              replacement: { ...toPageRecord(p), documentId },
              upsert: true,
            },
          })),
          { ordered: false },
        );
      }
      await this.m.pages.deleteMany({ documentId, number: { $nin: pages.map((p) => p.number) } }).exec();
    });
  }

  list(documentId: string, from = 1, to = Number.MAX_SAFE_INTEGER): Promise<PageRecord[]> {
    return op(async () => {
      const docs = await this.m.pages
        .find({ documentId, number: { $gte: from, $lte: to } })
        .sort({ number: 1 })
        .lean<PageDoc[]>()
        .exec();
      return docs.map(toPageRecord);
    });
  }
}

class MongoChunks implements ChunkRepository {
  constructor(private readonly m: Models) {}

  replaceAll(documentId: string, chunks: ChunkRecord[]): Promise<void> {
    return op(async () => {
      // As for pages: upsert the new set, then drop the rest.
      if (chunks.length > 0) {
        await this.m.chunks.bulkWrite(
          chunks.map(({ id, ...c }) => ({
            replaceOne: {
              filter: { _id: id },
              replacement: { _id: id, ...c, documentId },
              upsert: true,
            },
          })),
          { ordered: false },
        );
      }
      await this.m.chunks.deleteMany({ documentId, _id: { $nin: chunks.map((c) => c.id) } }).exec();
    });
  }

  listByDocument(documentId: string): Promise<ChunkRecord[]> {
    return op(async () => {
      const docs = await this.m.chunks
        .find({ documentId })
        .sort({ ordinal: 1, _id: 1 })
        .lean<ChunkDoc[]>()
        .exec();
      return docs.map(toChunk);
    });
  }
}

/** How often an unconditional note update re-reads after losing the race for a revision. */
const toTemplate = (d: TemplateDoc): TemplateRecord => ({
  id: d._id,
  projectId: d.projectId,
  name: d.name,
  description: d.description,
  language: d.language ?? null,
  prompt: d.prompt,
  skeleton: d.skeleton,
  createdBy: d.createdBy,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const templateNameKey = (name: string): string => name.trim().toLowerCase();

/**
 * Custom templates. Name uniqueness per project is the unique index `(projectId, nameKey)`, which
 * FerretDB enforces atomically on inserts and updates alike; no write here relies on
 * `findOneAndUpdate` being atomic (it is not on FerretDB v1): an update is one `updateOne`, then a read.
 */
class MongoTemplates implements TemplateRepository {
  constructor(private readonly m: Models) {}

  private taken(error: unknown, name: string | undefined): never {
    if (isUniqueViolation(error))
      throw conflict(`This project already has a template named "${name ?? ""}" (names ignore case).`);
    throw error;
  }

  create(t: TemplateRecord): Promise<TemplateRecord> {
    return op(async () => {
      if (!(await this.m.projects.exists({ _id: t.projectId, ...LIVE })))
        throw new AppError("not_found", "No such project.");
      const { id, ...rest } = t;
      try {
        await this.m.templates.create({ _id: id, ...rest, nameKey: templateNameKey(t.name) });
      } catch (error) {
        this.taken(error, t.name);
      }
      return { ...t };
    });
  }

  findById(id: string): Promise<TemplateRecord | null> {
    return op(async () => {
      const d = await this.m.templates.findById(id).lean<TemplateDoc>().exec();
      return d ? toTemplate(d) : null;
    });
  }

  listByProject(projectId: string): Promise<TemplateRecord[]> {
    return op(async () => {
      const docs = await this.m.templates
        .find({ projectId })
        .sort({ nameKey: 1, _id: 1 })
        .lean<TemplateDoc[]>()
        .exec();
      return docs.map(toTemplate);
    });
  }

  countByProject(projectId: string): Promise<number> {
    return op(() => this.m.templates.countDocuments({ projectId }).exec());
  }

  update(id: string, patch: TemplatePatch, at: string): Promise<TemplateRecord | null> {
    return op(async () => {
      const set = defined({
        name: patch.name,
        nameKey: patch.name === undefined ? undefined : templateNameKey(patch.name),
        description: patch.description,
        language: patch.language,
        prompt: patch.prompt,
        skeleton: patch.skeleton,
        updatedAt: at,
      });
      try {
        const r = await this.m.templates.updateOne({ _id: id }, { $set: set }).exec();
        if (r.matchedCount === 0) return null;
      } catch (error) {
        this.taken(error, patch.name);
      }
      const d = await this.m.templates.findById(id).lean<TemplateDoc>().exec();
      return d ? toTemplate(d) : null;
    });
  }

  delete(id: string): Promise<boolean> {
    return op(async () => (await this.m.templates.deleteOne({ _id: id }).exec()).deletedCount > 0);
  }
}

const MAX_UPDATE_ATTEMPTS = 20;
/** A revision claim this old whose change is not in the note was left by a crashed writer. */
const ABANDONED_CLAIM_MS = 60_000;
const claimId = (noteId: string, revision: number): string => `${noteId}#${revision}`;

class MongoNotes implements NoteRepository {
  constructor(private readonly m: Models) {}

  create(note: NewNoteRecord): Promise<NoteRecord> {
    return op(async () => {
      if (!(await this.m.documents.exists({ _id: note.documentId, projectId: note.projectId, ...LIVE })))
        throw new AppError("not_found", "No such project or document.");
      const { id, cacheKey, ...rest } = note;
      try {
        await this.m.notes.create({ _id: id, ...rest, cacheKey: cacheKey ?? null, revision: 1 });
      } catch (error) {
        if (isDuplicateKey(error)) throw conflict(`A note with id ${note.id} already exists.`);
        throw error;
      }
      return { ...note, revision: 1 };
    });
  }

  findById(id: string): Promise<NoteRecord | null> {
    return op(async () => {
      const d = await this.m.notes.findById(id).lean<NoteDoc>().exec();
      return d ? toNote(d) : null;
    });
  }

  listByProject(
    projectId: string,
    options: ListOptions & { documentId?: string | undefined },
  ): Promise<Page<NoteRecord>> {
    return op(async () => {
      const docs = await this.m.notes
        .find({
          projectId,
          ...(options.documentId === undefined ? {} : { documentId: options.documentId }),
          ...after(positionOf(options.cursor)),
        })
        .sort({ createdAt: -1, _id: -1 })
        .limit(options.limit + 1)
        .lean<NoteDoc[]>()
        .exec();
      return toPage(docs.map(toNote), options.limit);
    });
  }

  update(
    id: string,
    patch: Partial<
      Pick<NoteRecord, "status" | "title" | "markdown" | "contentHash" | "generator" | "citations" | "error">
    >,
    at: string,
  ): Promise<NoteRecord | null> {
    return op(async () => {
      const set = defined({
        status: patch.status,
        title: patch.title,
        markdown: patch.markdown,
        contentHash: patch.contentHash,
        generator: patch.generator,
        citations: patch.citations,
        error: patch.error,
        updatedAt: at,
      });
      // Unconditional: on losing a race for the next revision, re-read and go again on top.
      for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
        const current = await this.m.notes.findById(id).lean<NoteDoc>().exec();
        if (!current) return null;
        const outcome = await this.advance(current, set);
        if (outcome !== "lost") return outcome;
      }
      throw conflict(`The note ${id} is being changed by too many writers at once; try again.`);
    });
  }

  updateIfRevision(
    id: string,
    expectedRevision: number,
    patch: NoteEdit,
    at: string,
  ): Promise<NoteRecord | null> {
    return op(async () => {
      const current = await this.m.notes.findById(id).lean<NoteDoc>().exec();
      if (!current) return null;
      if (current.revision !== expectedRevision) {
        // A crashed writer may have claimed the next revision without applying it: finish that
        // change (if abandoned) so the note does not stay stuck, and report this edit as stale.
        await this.rollForwardAbandoned(current);
        return null;
      }
      const outcome = await this.advance(
        current,
        defined({
          title: patch.title,
          markdown: patch.markdown,
          contentHash: patch.contentHash,
          updatedAt: at,
        }),
      );
      return outcome === "lost" ? null : outcome;
    });
  }

  /**
   * Moves `current` to the next revision with `set`, if this writer wins the claim for it (see
   * {@link NoteClaimDoc}). "lost" when another writer claimed that revision first; null when the
   * note was deleted meanwhile.
   */
  private async advance(current: NoteDoc, set: Record<string, unknown>): Promise<NoteRecord | null | "lost"> {
    const next = current.revision + 1;
    try {
      await this.m.noteClaims.create({
        _id: claimId(current._id, next),
        noteId: current._id,
        projectId: current.projectId,
        documentId: current.documentId,
        revision: next,
        change: set,
        claimedAt: Date.now(),
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.rollForwardAbandoned(current);
      return "lost";
    }
    // Only the claim's owner writes revision `next`, so this conditional update has no rival.
    const d = await this.m.notes
      .findOneAndUpdate(
        { _id: current._id, revision: current.revision },
        { $set: { ...set, revision: next } },
        AFTER_UPDATE,
      )
      .lean<NoteDoc>()
      .exec();
    await this.m.noteClaims.deleteMany({ noteId: current._id, revision: { $lt: next } }).exec();
    return d ? toNote(d) : null;
  }

  /** Applies the claim for the revision after `current` when its writer abandoned it. */
  private async rollForwardAbandoned(current: NoteDoc): Promise<void> {
    const next = current.revision + 1;
    const claim = await this.m.noteClaims.findById(claimId(current._id, next)).lean().exec();
    if (!claim || Date.now() - claim.claimedAt < ABANDONED_CLAIM_MS) return;
    await this.m.notes
      .updateOne(
        { _id: current._id, revision: current.revision },
        { $set: { ...claim.change, revision: next } },
      )
      .exec();
  }

  delete(id: string): Promise<void> {
    return op(async () => {
      await this.m.notes.deleteOne({ _id: id }).exec();
      await this.m.noteClaims.deleteMany({ noteId: id }).exec();
    });
  }

  findReadyByCacheKey(projectId: string, cacheKey: string): Promise<NoteRecord | null> {
    return op(async () => {
      const d = await this.m.notes
        .findOne({ projectId, cacheKey, status: "ready" })
        .sort({ createdAt: -1, _id: -1 })
        .lean<NoteDoc>()
        .exec();
      return d ? toNote(d) : null;
    });
  }
}

type UsageAmounts = Pick<UsageRecord, "inputTokens" | "outputTokens" | "costUsd">;

/** Sums in the adapter, not with `$group`: FerretDB v1 returns wrong `$sum`s (README.md). */
function sum(rows: UsageAmounts[]): UsageTotals {
  const totals: UsageTotals = { notes: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpriced: 0 };
  for (const r of rows) {
    totals.notes++;
    totals.inputTokens += r.inputTokens;
    totals.outputTokens += r.outputTokens;
    if (r.costUsd === null) totals.unpriced++;
    else totals.costUsd += r.costUsd;
  }
  return totals;
}

const USAGE_FIELDS = { projectId: 1, inputTokens: 1, outputTokens: 1, costUsd: 1 };

class MongoUsage implements UsageRepository {
  constructor(private readonly m: Models) {}

  record(entry: UsageRecord): Promise<boolean> {
    return op(async () => {
      const { noteId, ...rest } = entry;
      try {
        await this.m.usage.create({ _id: noteId, ...rest });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    });
  }

  totals(filter: {
    userId?: string | undefined;
    projectId?: string | undefined;
    from: string;
    to: string;
  }): Promise<UsageTotals> {
    return op(async () => {
      const rows = await this.m.usage
        .find(
          {
            at: { $gte: filter.from, $lt: filter.to },
            ...(filter.userId === undefined ? {} : { userId: filter.userId }),
            ...(filter.projectId === undefined ? {} : { projectId: filter.projectId }),
          },
          USAGE_FIELDS,
        )
        .lean<UsageAmounts[]>()
        .exec();
      return sum(rows.map((r) => ({ ...r, costUsd: r.costUsd ?? null })));
    });
  }

  totalsByProject(
    userId: string,
    from: string,
    to: string,
  ): Promise<(UsageTotals & { projectId: string })[]> {
    return op(async () => {
      const rows = await this.m.usage
        .find({ userId, at: { $gte: from, $lt: to } }, USAGE_FIELDS)
        .lean<(UsageAmounts & { projectId: string })[]>()
        .exec();
      const byProject = new Map<string, UsageAmounts[]>();
      for (const r of rows) {
        const list = byProject.get(r.projectId) ?? [];
        list.push({ ...r, costUsd: r.costUsd ?? null });
        byProject.set(r.projectId, list);
      }
      return [...byProject.keys()]
        .sort()
        .map((projectId) => ({ projectId, ...sum(byProject.get(projectId) ?? []) }));
    });
  }
}

/** Status 0 marks a claim whose request is still running. */
const toIdempotencyRecord = (d: IdempotencyDoc): IdempotencyRecord => ({
  requestHash: d.requestHash,
  response:
    d.status === 0
      ? null
      : {
          status: d.status,
          body: JSON.parse(d.body) as unknown,
          headers: JSON.parse(d.headers ?? "{}") as Record<string, string>,
        },
  createdAt: d.createdAt,
});

class MongoIdempotency implements IdempotencyRepository {
  constructor(private readonly m: Models) {}

  claim(
    userId: string,
    key: string,
    requestHash: string,
    at: string,
    staleBefore: string,
  ): Promise<IdempotencyRecord | null> {
    return op(async () => {
      // The unique (userId, key) index decides between concurrent claims, across processes.
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await this.m.idempotency.create({
            userId,
            key,
            requestHash,
            status: 0,
            body: "null",
            headers: "{}",
            createdAt: at,
          });
          return null;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const takenOver = await this.m.idempotency
          .updateOne(
            { userId, key, status: 0, createdAt: { $lt: staleBefore } },
            { $set: { requestHash, createdAt: at } },
          )
          .exec();
        if (takenOver.modifiedCount === 1) return null;
        const d = await this.m.idempotency.findOne({ userId, key }).lean().exec();
        // Released between our insert and this read: claim it again.
        if (d) return toIdempotencyRecord(d);
      }
      throw unavailable("The idempotency store", new Error(`claim of ${key} kept changing`));
    });
  }

  complete(userId: string, key: string, response: IdempotentResponse): Promise<void> {
    return op(async () => {
      await this.m.idempotency
        .updateOne(
          { userId, key },
          {
            $set: {
              status: response.status,
              body: JSON.stringify(response.body ?? null),
              headers: JSON.stringify(response.headers),
            },
          },
        )
        .exec();
    });
  }

  release(userId: string, key: string): Promise<void> {
    return op(async () => {
      await this.m.idempotency.deleteOne({ userId, key, status: 0 }).exec();
    });
  }

  find(userId: string, key: string): Promise<IdempotencyRecord | null> {
    return op(async () => {
      const d = await this.m.idempotency.findOne({ userId, key }).lean().exec();
      return d ? toIdempotencyRecord(d) : null;
    });
  }
}

const DEFAULT_DB_NAME = "academic_assist";

/** The database named in a `mongodb://host[,host]/<db>?…` URL, or null. */
function databaseInUrl(url: string): string | null {
  const name = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(url)?.[1];
  return name ? decodeURIComponent(name) : null;
}

/** Options of {@link openMongoRepositories}. */
export interface MongoRepositoriesOptions {
  /** `mongodb://…` or `mongodb+srv://…` (MONGODB_URL). */
  url: string;
  /** Database name; defaults to the URL's path, else `academic_assist`. */
  dbName?: string | undefined;
  /**
   * How long an operation waits for a reachable server before failing with `service_unavailable`
   * (ms). Short, so that the API answers 503 quickly while the database is down. Default 2000.
   */
  serverSelectionTimeoutMS?: number | undefined;
  /** How long an operation waits on a connected but silent server (ms). Default 15 000. */
  socketTimeoutMS?: number | undefined;
}

/**
 * The metadata store on MongoDB (self-hosted / production mode), through mongoose on its own
 * connection. Tested against FerretDB v1, which has no multi-document transactions: writes that
 * span documents are ordered instead (see README.md in this folder). Driver errors leave as
 * AppErrors; while the database is unreachable every call fails with `service_unavailable` within
 * about `serverSelectionTimeoutMS`, and calls succeed again as soon as it is back (the driver
 * reconnects by itself).
 */
export class MongoRepositories implements Repositories {
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
  private readonly models: Models;

  /** Use {@link openMongoRepositories}, which connects and creates the indexes first. */
  constructor(private readonly connection: Connection) {
    this.models = defineModels(connection);
    const m = this.models;
    this.users = new MongoUsers(m);
    this.tokens = new MongoTokens(m);
    this.projects = new MongoProjects(m);
    this.documents = new MongoDocuments(m);
    this.pages = new MongoPages(m);
    this.chunks = new MongoChunks(m);
    this.notes = new MongoNotes(m);
    this.templates = new MongoTemplates(m);
    this.usage = new MongoUsage(m);
    this.idempotency = new MongoIdempotency(m);
  }

  /** Creates every index the queries and unique constraints need (idempotent). */
  async createIndexes(): Promise<void> {
    await op(async () => {
      for (const model of Object.values(this.models) as mongoose.Model<unknown>[])
        await model.createIndexes();
    });
  }

  /**
   * Completes deletes that a crash interrupted (projects and documents left tombstoned). Safe to
   * run at any time, also while another process deletes; returns how many it completed.
   */
  async finishInterruptedDeletes(): Promise<number> {
    return op(async () => {
      const projects = await this.models.projects
        .find({ deletingAt: { $ne: null } }, { _id: 1 })
        .lean<{ _id: string }[]>()
        .exec();
      for (const p of projects) await deleteProject(this.models, p._id);
      const documents = await this.models.documents
        .find({ deletingAt: { $ne: null } }, { _id: 1 })
        .lean<{ _id: string }[]>()
        .exec();
      for (const d of documents) await deleteDocument(this.models, d._id);
      return projects.length + documents.length;
    });
  }

  /** True when the server answers a ping within the server selection timeout. */
  async ping(): Promise<boolean> {
    try {
      const db = this.connection.db;
      if (!db) return false;
      await db.command({ ping: 1 });
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the connection; later calls fail with `service_unavailable`. */
  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Drops the whole database (tests only). */
  async dropDatabase(): Promise<void> {
    await op(async () => {
      await this.connection.dropDatabase();
    });
  }
}

/**
 * Connects to MongoDB (its own mongoose connection, never the global one), creates the indexes and
 * completes interrupted deletes. Fails with `service_unavailable` when the server cannot be reached
 * within `serverSelectionTimeoutMS`.
 */
export async function openMongoRepositories(options: MongoRepositoriesOptions): Promise<MongoRepositories> {
  const serverSelectionTimeoutMS = options.serverSelectionTimeoutMS ?? 2000;
  const connection = mongoose.createConnection(options.url, {
    dbName: options.dbName ?? databaseInUrl(options.url) ?? DEFAULT_DB_NAME,
    serverSelectionTimeoutMS,
    connectTimeoutMS: Math.max(serverSelectionTimeoutMS, 2000),
    socketTimeoutMS: options.socketTimeoutMS ?? 15_000,
    heartbeatFrequencyMS: 5000,
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    appName: "academic-assist",
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw unavailable(STORE, error);
  }
  const repos = new MongoRepositories(connection);
  try {
    await repos.createIndexes();
    await repos.finishInterruptedDeletes();
  } catch (error) {
    await repos.close().catch(() => undefined);
    throw error;
  }
  return repos;
}
