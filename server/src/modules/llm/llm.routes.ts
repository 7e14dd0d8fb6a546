import {
  askLibrary,
  isAppError,
  notFound,
  resolveProjectLlm,
  saveAnswerAsNote,
  type Access,
  type AppContext,
} from "@academic-assist/core";
import type { AskResult } from "@academic-assist/sdk/contract";
import { problemType } from "@academic-assist/sdk/contract";
import type { RequestHandler, Router } from "express";
import { register } from "../../http/endpoint.ts";
import { toAppError } from "../../http/problem.ts";

export function llmRoutes(
  router: Router,
  deps: { app: AppContext; access: Access; requireAuth: RequestHandler },
): void {
  const { app, access } = deps;

  register(router, "projects.ask", { auth: deps.requireAuth }, async ({ user, params, body, req, res }) => {
    // Saving the answer writes a note: the role notes.create needs.
    await access.project(user.id, params.projectId, body.saveAsNote ? "editor" : "viewer");
    if (body.documentId) {
      const doc = await access.document(user.id, body.documentId);
      if (doc.projectId !== params.projectId) throw notFound("document", body.documentId);
    }
    const input = {
      projectId: params.projectId,
      question: body.question,
      documentId: body.documentId,
      maxPassages: body.maxPassages,
    };
    // The project's own provider when it chose one, else the server's default.
    const { llm } = await resolveProjectLlm(app, params.projectId);
    const ports = { repos: app.repos, search: app.search, llm };
    const saved = async (result: AskResult): Promise<AskResult> => {
      if (!body.saveAsNote) return result;
      const note = await saveAnswerAsNote(app.repos, {
        projectId: params.projectId,
        userId: user.id,
        question: body.question,
        result,
      });
      if (note) {
        await app.events.publish({
          type: "note.ready",
          projectId: note.projectId,
          documentId: note.documentId,
          jobId: null,
          noteId: note.id,
          data: { citations: note.citations, title: note.title },
        });
      }
      return { ...result, noteId: note?.id ?? null };
    };
    if (!(req.get("accept") ?? "").includes("text/event-stream")) {
      const controller = new AbortController();
      res.on("close", () => controller.abort());
      return {
        status: 200,
        body: await saved(await askLibrary(ports, { ...input, signal: controller.signal })),
      };
    }

    const controller = new AbortController();
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-store, no-transform");
    res.setHeader("X-Accel-Buffering", "no");
    res.flushHeaders();
    res.on("close", () => controller.abort());
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    try {
      const result = await askLibrary(ports, {
        ...input,
        signal: controller.signal,
        onDelta: (text) => send("token", { text }),
      });
      send("answer", await saved(result));
    } catch (err) {
      const e = toAppError(err);
      if (!isAppError(err)) app.logger.error({ err, requestId: req.id }, "ask failed");
      send("error", { type: problemType(e.code), status: e.status, code: e.code, detail: e.detail });
    }
    res.end();
    return null;
  });
}
