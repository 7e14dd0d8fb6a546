import { pipeline } from "node:stream/promises";
import { AppError, type Access, type AppContext } from "@academic-assist/core";
import type { RequestHandler, Router } from "express";
import { toDocumentDto, toJobDto } from "../../http/dto.ts";
import { register } from "../../http/endpoint.ts";
import type { ProjectCleanup } from "../projects/project-cleanup.ts";
import type { DocumentService } from "./documents.service.ts";
import { attachmentDisposition } from "./filename.ts";

export function documentRoutes(
  router: Router,
  deps: {
    app: AppContext;
    access: Access;
    documents: DocumentService;
    cleanup: ProjectCleanup;
    requireAuth: RequestHandler;
  },
): void {
  const { app, access } = deps;
  const m = { auth: deps.requireAuth };

  register(router, "documents.upload", m, async ({ user, params, query, req }) => {
    const result = await deps.documents.upload(user.id, params.projectId, query.filename, req);
    return {
      status: result.duplicate ? 200 : 202,
      body: {
        document: toDocumentDto(result.document),
        job: result.job ? toJobDto(result.job) : null,
        duplicate: result.duplicate,
      },
    };
  });

  register(router, "documents.list", m, async ({ user, params, query }) => {
    await access.project(user.id, params.projectId);
    const page = await app.repos.documents.listByProject(params.projectId, {
      limit: query.limit,
      cursor: query.cursor,
      status: query.status,
    });
    return { status: 200, body: { items: page.items.map(toDocumentDto), nextCursor: page.nextCursor } };
  });

  register(router, "documents.get", m, async ({ user, params }) => {
    const doc = await access.document(user.id, params.documentId);
    return { status: 200, body: toDocumentDto(doc) };
  });

  register(router, "documents.pages", m, async ({ user, params, query }) => {
    const doc = await access.document(user.id, params.documentId);
    if (doc.pageCount === null) {
      throw new AppError("conflict", `The document's text is not available yet (status: ${doc.status}).`);
    }
    const pages = await app.repos.pages.list(doc.id, query.from, query.to);
    return {
      status: 200,
      body: {
        items: pages.map((p) => ({
          number: p.number,
          width: p.width,
          height: p.height,
          text: p.text,
          source: p.source,
          spans: query.spans ? p.spans : [],
        })),
      },
    };
  });

  register(router, "documents.file", m, async ({ user, params, res }) => {
    const doc = await access.document(user.id, params.documentId);
    const stream = await app.blobs.get(doc.blobKey);
    res.status(200);
    // The type the bytes were sniffed as at upload, never one guessed from the uploader's file name
    // (`res.attachment()` would: a PDF named evil.html would be served as text/html).
    res.setHeader("Content-Type", doc.mediaType);
    res.setHeader("Content-Length", String(doc.byteSize));
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Content-Disposition", attachmentDisposition(doc.filename));
    await pipeline(stream, res);
    return null;
  });

  register(router, "documents.delete", m, async ({ user, params }) => {
    const doc = await access.document(user.id, params.documentId, "editor");
    await deps.cleanup.deleteDocument(doc);
    return { status: 204 };
  });
}
