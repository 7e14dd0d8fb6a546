import {
  AppError,
  BUILT_IN_TEMPLATES,
  getTemplate,
  newId,
  nowIso,
  type Access,
  type AppContext,
} from "@academic-assist/core";
import type { RequestHandler, Router } from "express";
import { toJobDto, toNoteDto } from "../../http/dto.ts";
import { register } from "../../http/endpoint.ts";
import { idempotent } from "../../http/idempotency.ts";

export function noteRoutes(
  router: Router,
  deps: { app: AppContext; access: Access; requireAuth: RequestHandler },
): void {
  const { app, access } = deps;
  const m = { auth: deps.requireAuth };

  register(router, "templates.list", m, async () => ({
    status: 200,
    body: {
      items: BUILT_IN_TEMPLATES.map((t) => ({
        id: t.id,
        name: t.name,
        description: t.description ?? t.sections.map((s) => s.heading).join(", "),
        builtIn: true,
        sections: t.sections.map((s) => s.heading),
      })),
    },
  }));

  register(
    router,
    "notes.create",
    { auth: deps.requireAuth, before: [idempotent(app)] },
    async ({ user, params, body }) => {
      const doc = await access.document(user.id, params.documentId, "editor");
      const template = getTemplate(body.template);
      if (!template) {
        throw new AppError("validation_failed", `body.template: unknown template "${body.template}"`, {
          fieldErrors: [
            {
              path: "body.template",
              message: `unknown template; one of ${BUILT_IN_TEMPLATES.map((t) => t.id).join(", ")}`,
            },
          ],
        });
      }
      if (doc.status !== "ready") {
        throw new AppError("conflict", `The document is not ready for notes yet (status: ${doc.status}).`);
      }
      const project = await app.repos.projects.findById(doc.projectId);
      const at = nowIso();
      const note = await app.repos.notes.create({
        id: newId("note"),
        projectId: doc.projectId,
        documentId: doc.id,
        template: body.template,
        language: body.language ?? template.language ?? project?.language ?? "en",
        status: "pending",
        title: doc.metadata.title,
        markdown: "",
        contentHash: null,
        generator: null,
        citations: null,
        error: null,
        createdBy: user.id,
        createdAt: at,
        updatedAt: at,
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
            maxAttempts: app.llm ? app.config.LLM_JOB_MAX_ATTEMPTS : app.config.JOB_MAX_ATTEMPTS,
          },
        );
        return { status: 202, body: { note: toNoteDto(note), job: toJobDto(job) } };
      } catch (e) {
        await app.repos.notes.delete(note.id);
        throw e;
      }
    },
  );

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
    const headers: Record<string, string> = note.contentHash ? { ETag: `"${note.contentHash}"` } : {};
    return { status: 200, body: toNoteDto(note), headers };
  });

  register(router, "notes.delete", m, async ({ user, params }) => {
    const note = await access.note(user.id, params.noteId, "editor");
    await app.repos.notes.delete(note.id);
    return { status: 204 };
  });
}
