import { askLibrary, isAppError, notFound, type Access, type AppContext } from "@academic-assist/core";
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
    await access.project(user.id, params.projectId);
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
    const ports = { repos: app.repos, search: app.search, llm: app.llm };
    if (!(req.get("accept") ?? "").includes("text/event-stream")) {
      const controller = new AbortController();
      res.on("close", () => controller.abort());
      return { status: 200, body: await askLibrary(ports, { ...input, signal: controller.signal }) };
    }

    const controller = new AbortController();
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache, no-transform");
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
      send("answer", result);
    } catch (err) {
      const e = toAppError(err);
      if (!isAppError(err)) app.logger.error({ err, requestId: req.id }, "ask failed");
      send("error", { type: problemType(e.code), status: e.status, code: e.code, detail: e.detail });
    }
    res.end();
    return null;
  });
}
