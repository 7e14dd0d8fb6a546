import { AppError, type Access, type AppContext } from "@academic-assist/core";
import type { SearchHit } from "@academic-assist/sdk/contract";
import type { RequestHandler, Router } from "express";
import { register } from "../../http/endpoint.ts";

const encodeOffset = (n: number) => Buffer.from(`o:${n}`).toString("base64url");
function decodeOffset(cursor: string | undefined): number {
  if (!cursor) return 0;
  const m = /^o:(\d{1,6})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!m?.[1])
    throw new AppError("validation_failed", "query.cursor: not a cursor from a previous page", {
      fieldErrors: [{ path: "query.cursor", message: "invalid cursor" }],
    });
  return Number(m[1]);
}

export function searchRoutes(
  router: Router,
  deps: { app: AppContext; access: Access; requireAuth: RequestHandler },
): void {
  const { app, access } = deps;

  register(router, "search.query", { auth: deps.requireAuth }, async ({ user, query }) => {
    const started = performance.now();
    let projectIds: string[];
    if (query.documentId) {
      const doc = await access.document(user.id, query.documentId);
      if (query.projectId && query.projectId !== doc.projectId) projectIds = [];
      else projectIds = [doc.projectId];
    } else if (query.projectId) {
      await access.project(user.id, query.projectId);
      projectIds = [query.projectId];
    } else {
      projectIds = await app.repos.projects.projectIdsForUser(user.id);
    }
    const offset = decodeOffset(query.cursor);
    // One extra hit tells whether there is a next page.
    const { hits } = await app.search.search({
      text: query.q,
      projectIds,
      documentId: query.documentId,
      limit: query.limit + 1,
      offset,
    });
    const page = hits.slice(0, query.limit);
    const docs = new Map(
      (await app.repos.documents.findMany([...new Set(page.map((h) => h.documentId))])).map((d) => [d.id, d]),
    );
    const items: SearchHit[] = page
      .filter((h) => docs.has(h.documentId))
      .map((h) => {
        const doc = docs.get(h.documentId)!;
        return {
          chunkId: h.chunkId,
          documentId: h.documentId,
          projectId: h.projectId,
          documentTitle: doc.metadata.title,
          filename: doc.filename,
          pageStart: h.pageStart,
          pageEnd: h.pageEnd,
          section: h.section,
          snippet: h.snippet,
          highlights: h.highlights,
          score: h.score,
        };
      });
    return {
      status: 200,
      body: {
        items,
        nextCursor: hits.length > query.limit ? encodeOffset(offset + query.limit) : null,
        tookMs: Math.round((performance.now() - started) * 10) / 10,
      },
    };
  });
}
