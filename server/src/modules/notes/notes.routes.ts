import {
  AppError,
  assertWithinBudget,
  estimateNote,
  findCachedNote,
  monthRange,
  newId,
  noteLanguage,
  nowIso,
  requireNoteTemplate,
  resolveProjectLlm,
  type Access,
  type AppContext,
  notFound,
  type DocumentRecord,
} from "@academic-assist/core";
import { noteEtag } from "@academic-assist/sdk/contract";
import { contentHash } from "@academic-assist/sdk/writeback";
import type { RequestHandler, Router } from "express";
import { toJobDto, toNoteDto } from "../../http/dto.ts";
import { register } from "../../http/endpoint.ts";

export function noteRoutes(
  router: Router,
  deps: { app: AppContext; access: Access; requireAuth: RequestHandler },
): void {
  const { app, access } = deps;
  const m = { auth: deps.requireAuth };

  const templateOf = (projectId: string, id: string) => requireNoteTemplate(app.repos, projectId, id);
  const assertReady = (doc: DocumentRecord) => {
    if (doc.status !== "ready") {
      throw new AppError(
        "conflict",
        `The document ${doc.id} is not ready for notes yet (status: ${doc.status}).`,
      );
    }
  };

  register(router, "notes.estimate", m, async ({ user, params, body }) => {
    const doc = await access.document(user.id, params.documentId);
    const template = await templateOf(doc.projectId, body.template);
    assertReady(doc);
    const language = await noteLanguage(app, doc, template, body.language);
    const { estimate } = await estimateNote(app, doc, template, language);
    return { status: 200, body: estimate };
  });

  register(router, "notes.estimateBatch", m, async ({ user, params, body }) => {
    await access.project(user.id, params.projectId);
    const template = await templateOf(params.projectId, body.template);
    const items = [];
    for (const documentId of [...new Set(body.documentIds)]) {
      const doc = await app.repos.documents.findById(documentId);
      // Another project's document is as unknown here as a missing one.
      if (!doc || doc.projectId !== params.projectId) {
        throw new AppError("not_found", `No document with id ${documentId} in this project.`);
      }
      assertReady(doc);
      const language = await noteLanguage(app, doc, template, body.language);
      const { estimate } = await estimateNote(app, doc, template, language);
      items.push({ documentId, ...estimate });
    }
    const uncached = items.filter((i) => !i.cached);
    const total = {
      inputTokens: uncached.reduce((n, i) => n + i.inputTokens, 0),
      outputTokens: uncached.reduce((n, i) => n + i.outputTokens, 0),
      costUsd: uncached.some((i) => i.costUsd === null)
        ? null
        : uncached.reduce((n, i) => n + (i.costUsd ?? 0), 0),
      cached: items.length - uncached.length,
    };
    // Offline every item is null (no price applies): the total is then null too, not 0.
    if (uncached.length === 0 && items.every((i) => i.costUsd === null)) total.costUsd = null;
    return { status: 200, body: { items, total } };
  });

  register(router, "notes.create", m, async ({ user, params, body }) => {
    const doc = await access.document(user.id, params.documentId, "editor");
    const template = await templateOf(doc.projectId, body.template);
    assertReady(doc);
    const language = await noteLanguage(app, doc, template, body.language);
    const { cacheKey, cachedNote } = await findCachedNote(app, doc, template, language);
    const at = nowIso();
    const base = {
      projectId: doc.projectId,
      documentId: doc.id,
      template: body.template,
      language,
      createdBy: user.id,
      createdAt: at,
      updatedAt: at,
      cacheKey,
    };
    if (body.cache && cachedNote) {
      // Served from the cache: a ready copy of the identical note, no job, nothing charged.
      const note = await app.repos.notes.create({
        ...base,
        id: newId("note"),
        status: "ready",
        title: cachedNote.title,
        markdown: cachedNote.markdown,
        contentHash: cachedNote.contentHash,
        generator: cachedNote.generator,
        citations: cachedNote.citations,
        error: null,
      });
      await app.events.publish({
        type: "note.ready",
        projectId: note.projectId,
        documentId: note.documentId,
        jobId: null,
        noteId: note.id,
        data: { citations: note.citations, title: note.title, cached: true },
      });
      return { status: 200, body: { note: toNoteDto(note), job: null, cached: true } };
    }
    if (app.config.LLM_MONTHLY_BUDGET_USD !== undefined) {
      const { estimate } = await estimateNote(app, doc, template, language);
      await assertWithinBudget(app, user.id, estimate.costUsd);
    }
    const { llm } = await resolveProjectLlm(app, doc.projectId);
    const note = await app.repos.notes.create({
      ...base,
      id: newId("note"),
      status: "pending",
      title: doc.metadata.title,
      markdown: "",
      contentHash: null,
      generator: null,
      citations: null,
      error: null,
    });
    try {
      const job = await app.queue.enqueue(
        "llm_generation",
        { noteId: note.id },
        {
          idempotencyKey: `llm_generation:${note.id}`,
          projectId: note.projectId,
          documentId: doc.id,
          noteId: note.id,
          // The provider SDK retries each call itself; see createLlmProvider for the arithmetic.
          maxAttempts: llm ? app.config.LLM_JOB_MAX_ATTEMPTS : app.config.JOB_MAX_ATTEMPTS,
        },
      );
      return { status: 202, body: { note: toNoteDto(note), job: toJobDto(job), cached: false } };
    } catch (e) {
      await app.repos.notes.delete(note.id);
      throw e;
    }
  });

  register(router, "usage.get", m, async ({ user, query }) => {
    const { month, from, to } = monthRange(query.month);
    let project = null;
    if (query.projectId) {
      await access.project(user.id, query.projectId);
      project = {
        projectId: query.projectId,
        ...(await app.repos.usage.totals({ projectId: query.projectId, from, to })),
      };
    }
    const [mine, byProject] = await Promise.all([
      app.repos.usage.totals({ userId: user.id, projectId: query.projectId, from, to }),
      app.repos.usage.totalsByProject(user.id, from, to),
    ]);
    return {
      status: 200,
      body: {
        month,
        user: mine,
        byProject,
        project,
        budgetUsd: app.config.LLM_MONTHLY_BUDGET_USD ?? null,
      },
    };
  });

  register(router, "notes.list", m, async ({ user, params, query }) => {
    await access.project(user.id, params.projectId);
    const page = await app.repos.notes.listByProject(params.projectId, {
      limit: query.limit,
      cursor: query.cursor,
      documentId: query.documentId,
    });
    return { status: 200, body: { items: page.items.map(toNoteDto), nextCursor: page.nextCursor } };
  });

  register(router, "notes.get", m, async ({ user, params }) => {
    const note = await access.note(user.id, params.noteId);
    return { status: 200, body: toNoteDto(note), headers: { ETag: noteEtag(note.revision) } };
  });

  register(router, "notes.update", m, async ({ user, params, body, req }) => {
    const note = await access.note(user.id, params.noteId, "editor");
    const revisions = ifMatchRevisions(req.get("if-match"));
    if (note.status !== "ready") {
      // The generator still owns a pending note; a failed one has nothing to edit.
      throw new AppError(
        "conflict",
        `The note ${note.id} is ${note.status}; only a ready note can be edited.`,
      );
    }
    const stale = () =>
      new AppError(
        "conflict",
        `The note ${note.id} changed since you read it (its ETag is now ${noteEtag(note.revision)}); ` +
          "fetch it again and reapply your edit.",
      );
    if (!revisions.includes(note.revision)) throw stale();
    const updated = await app.repos.notes.updateIfRevision(
      note.id,
      note.revision,
      { markdown: body.markdown, title: body.title, contentHash: await contentHash(body.markdown) },
      nowIso(),
    );
    if (!updated) {
      if (!(await app.repos.notes.findById(note.id))) throw notFound("note", note.id);
      throw stale();
    }
    return { status: 200, body: toNoteDto(updated), headers: { ETag: noteEtag(updated.revision) } };
  });

  register(router, "notes.delete", m, async ({ user, params }) => {
    const note = await access.note(user.id, params.noteId, "editor");
    await app.repos.notes.delete(note.id);
    return { status: 204 };
  });
}

/**
 * The revisions named by an `If-Match` header (`"3"`, or a list `"3", "4"`). Missing: 428, as an
 * edit must say which version it is based on; `*` is refused the same way, since it would skip the
 * check. Weak tags (`W/"3"`) never match, as RFC 9110 requires for If-Match.
 */
function ifMatchRevisions(header: string | undefined): number[] {
  const value = header?.trim() ?? "";
  if (value === "" || value === "*") {
    throw new AppError(
      "precondition_required",
      'Send `If-Match` with the note\'s ETag (from GET /notes/{noteId}, e.g. `"3"`), so that an edit never overwrites a change you have not seen.',
    );
  }
  const tags = value.split(",").map((t) => t.trim());
  if (!tags.every((t) => /^(W\/)?"[^"]*"$/.test(t))) {
    throw new AppError("validation_failed", 'If-Match must be an entity tag such as `"3"`.', {
      fieldErrors: [{ path: "headers.If-Match", message: 'must be an entity tag such as "3"' }],
    });
  }
  return tags.flatMap((t) => (/^"([1-9][0-9]{0,15})"$/.exec(t) ? [Number(t.slice(1, -1))] : []));
}
