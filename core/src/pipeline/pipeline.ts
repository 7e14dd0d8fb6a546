import os from "node:os";
import path from "node:path";
import type { Progress } from "@academic-assist/sdk/contract";
import type { DocumentRecord, PageRecord } from "../domain/records.ts";
import { nowIso } from "../domain/ids.ts";
import { AppError, isAppError } from "../errors/app-error.ts";
import { chunkPages, extractDocument } from "../extraction/index.ts";
import { renderNote } from "../notes/index.ts";
import type { JobContext } from "../ports/index.ts";
import { resolveProjectLlm } from "../services/cost.ts";
import { resolveNoteTemplate } from "../services/templates.ts";
import type { AppContext } from "../wiring.ts";

/**
 * The three queue handlers' bodies. Each loads its input, does the work, stores the result and
 * returns; each is safe to run twice (delivery is at-least-once): outputs are keyed by the
 * document or note id and replaced whole, and a finished document or note is left alone.
 */

const PROGRESS_EVERY_MS = 300;

function isLastAttempt(ctx: JobContext, error: unknown): boolean {
  return (isAppError(error) && error.unrecoverable) || ctx.attempt >= ctx.job.maxAttempts;
}

function errorOf(error: unknown): { code: string; detail: string } {
  if (isAppError(error)) return { code: error.code, detail: error.detail };
  return { code: "internal", detail: "Processing failed unexpectedly; see the worker log." };
}

async function setDocument(
  app: AppContext,
  doc: DocumentRecord,
  patch: Parameters<AppContext["repos"]["documents"]["update"]>[1],
  jobId: string,
) {
  const updated = await app.repos.documents.update(doc.id, patch, nowIso());
  if (updated && patch.status) {
    await app.events.publish({
      type: "document.status",
      projectId: doc.projectId,
      documentId: doc.id,
      jobId,
      noteId: null,
      data: {
        status: updated.status,
        error: updated.error,
        pageCount: updated.pageCount,
        title: updated.metadata.title,
      },
    });
  }
  return updated;
}

/** Throttled progress: job record, document record and an event, at most every PROGRESS_EVERY_MS. */
function progressReporter(app: AppContext, ctx: JobContext, doc: { id: string; projectId: string }) {
  let last = 0;
  return async (progress: Progress, force = false) => {
    const now = Date.now();
    if (!force && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    await ctx.progress(progress);
    await app.repos.documents.update(doc.id, { progress }, nowIso());
    await app.events.publish({
      type: "document.progress",
      projectId: doc.projectId,
      documentId: doc.id,
      jobId: ctx.job.id,
      noteId: null,
      data: { ...progress },
    });
  };
}

/** `document_processing`: text per page, metadata, chunks; then queues indexing. */
export async function processDocument(
  app: AppContext,
  ctx: JobContext<"document_processing">,
): Promise<void> {
  const doc = await app.repos.documents.findById(ctx.job.payload.documentId);
  if (!doc) return; // deleted while queued
  if (doc.status === "ready") return;
  try {
    await setDocument(
      app,
      doc,
      { status: "processing", error: null, progress: { stage: "extracting", done: 0, total: 0 } },
      ctx.job.id,
    );
    const bytes = await app.blobs.read(doc.blobKey);
    const project = await app.repos.projects.findById(doc.projectId);
    const report = progressReporter(app, ctx, doc);
    const pending: Promise<void>[] = [];
    const extracted = await extractDocument(bytes, {
      mediaType: doc.mediaType,
      maxPages: app.config.MAX_PAGES,
      timeoutMs: app.config.EXTRACTION_TIMEOUT_S * 1000,
      maxMemoryMb: app.config.EXTRACTION_MEMORY_MB,
      ocr: {
        // A Japanese project's scans are mostly Japanese with English terms; detection adds
        // Japanese for other projects when the document's text layer turns out to be Japanese.
        languages: project?.language === "ja" ? ["jpn", "eng"] : ["eng"],
        workers: app.config.OCR_WORKERS > 0 ? app.config.OCR_WORKERS : Math.min(4, os.availableParallelism()),
        pageTimeoutMs: app.config.OCR_PAGE_TIMEOUT_S * 1000,
        maxImagePixels: app.config.MAX_IMAGE_PIXELS,
        dataDir: path.join(app.config.dataDir, "tessdata"),
        ...(app.config.OCR_LANGUAGE_DATA ? { languageData: app.config.OCR_LANGUAGE_DATA } : {}),
      },
      signal: ctx.signal,
      onProgress: (done, total, stage) => {
        pending.push(report({ stage, done, total }, done === total).catch(() => undefined));
      },
    });
    await Promise.all(pending);

    const pages: PageRecord[] = extracted.pages.map((p) => ({ ...p, documentId: doc.id }));
    await app.repos.pages.replaceAll(doc.id, pages);
    const chunks = chunkPages(pages).map((c) => ({
      id: `${doc.id}_c${c.ordinal}`,
      documentId: doc.id,
      projectId: doc.projectId,
      ordinal: c.ordinal,
      text: c.text,
      pageStart: c.pageStart,
      pageEnd: c.pageEnd,
      section: c.section,
      tokenCount: c.tokenCount,
    }));
    await app.repos.chunks.replaceAll(doc.id, chunks);
    const hasText = pages.some((p) => p.text.trim().length > 0);
    if (!hasText) {
      throw new AppError(
        "pdf_corrupt",
        "No text was found in the document, neither in its text layer nor by OCR of its pages.",
        { unrecoverable: true },
      );
    }
    await setDocument(
      app,
      doc,
      {
        status: "indexing",
        pageCount: extracted.pageCount,
        metadata: extracted.metadata,
        progress: { stage: "indexing", done: 0, total: chunks.length },
      },
      ctx.job.id,
    );
    await app.queue.enqueue(
      "indexing",
      { documentId: doc.id },
      {
        idempotencyKey: `indexing:${doc.id}:${ctx.job.id}`,
        projectId: doc.projectId,
        documentId: doc.id,
        maxAttempts: app.config.JOB_MAX_ATTEMPTS,
      },
    );
  } catch (error) {
    if (isLastAttempt(ctx, error)) {
      await setDocument(app, doc, { status: "failed", error: errorOf(error), progress: null }, ctx.job.id);
    }
    throw error;
  }
}

/** `indexing`: the document's chunks into the search index; the document becomes `ready`. */
export async function indexDocument(app: AppContext, ctx: JobContext<"indexing">): Promise<void> {
  const doc = await app.repos.documents.findById(ctx.job.payload.documentId);
  if (!doc) return;
  if (doc.status === "ready") return;
  try {
    const chunks = await app.repos.chunks.listByDocument(doc.id);
    const result = await app.search.indexChunks(
      chunks.map((c) => ({
        chunkId: c.id,
        documentId: c.documentId,
        projectId: c.projectId,
        text: c.text,
        pageStart: c.pageStart,
        pageEnd: c.pageEnd,
        section: c.section,
      })),
      // Ready must mean searchable: the write resolves once the chunks are visible.
      { waitUntilSearchable: true },
    );
    if (result.failed.length > 0) {
      throw new AppError(
        "internal",
        `${result.failed.length} of ${chunks.length} passages could not be indexed: ${result.failed[0]?.reason ?? "unknown"}`,
      );
    }
    await setDocument(app, doc, { status: "ready", progress: null, error: null }, ctx.job.id);
  } catch (error) {
    if (isLastAttempt(ctx, error)) {
      await setDocument(app, doc, { status: "failed", error: errorOf(error), progress: null }, ctx.job.id);
    }
    throw error;
  }
}

/** `llm_generation`: a note from a ready document, rendered, citation-checked and stored. */
export async function generateNote(app: AppContext, ctx: JobContext<"llm_generation">): Promise<void> {
  const note = await app.repos.notes.findById(ctx.job.payload.noteId);
  if (!note) return;
  if (note.status === "ready") return;
  const publish = (type: "note.ready" | "note.failed", data: Record<string, unknown>) =>
    app.events.publish({
      type,
      projectId: note.projectId,
      documentId: note.documentId,
      jobId: ctx.job.id,
      noteId: note.id,
      data,
    });
  try {
    const doc = await app.repos.documents.findById(note.documentId);
    if (!doc) throw new AppError("not_found", "The note's document was deleted.", { unrecoverable: true });
    const template = await resolveNoteTemplate(app.repos, note.projectId, note.template);
    if (!template)
      throw new AppError(
        "validation_failed",
        `The template "${note.template}" no longer exists (it was deleted after the note was requested).`,
        { unrecoverable: true },
      );
    // The project's provider as it is now: the note says which one wrote it (generator, frontmatter).
    const { generator } = await resolveProjectLlm(app, note.projectId);
    await ctx.progress({ stage: "generating", done: 0, total: 1 });
    const pages = await app.repos.pages.list(doc.id);
    const chunks = await app.repos.chunks.listByDocument(doc.id);
    const generated = await generator.generate({
      document: doc,
      pages,
      chunks,
      template,
      language: note.language,
      signal: ctx.signal,
    });
    const rendered = await renderNote({
      document: doc,
      template,
      language: note.language,
      generated,
      pages,
      generatedAt: nowIso(),
    });
    await app.repos.notes.update(
      note.id,
      {
        status: "ready",
        title: rendered.title,
        markdown: rendered.markdown,
        contentHash: rendered.contentHash,
        generator: { provider: generated.provider, model: generated.model },
        citations: rendered.citations,
        error: null,
      },
      nowIso(),
    );
    // Keyed by note id: a re-delivered job (or a crash between these two writes) never counts twice.
    await app.repos.usage.record({
      noteId: note.id,
      userId: note.createdBy,
      projectId: note.projectId,
      provider: generated.provider,
      model: generated.model,
      inputTokens: generated.usage.inputTokens,
      outputTokens: generated.usage.outputTokens,
      costUsd: generated.costUsd ?? null,
      at: nowIso(),
    });
    await ctx.progress({ stage: "generating", done: 1, total: 1 });
    await publish("note.ready", { citations: rendered.citations, title: rendered.title });
  } catch (error) {
    if (isLastAttempt(ctx, error)) {
      await app.repos.notes.update(note.id, { status: "failed", error: errorOf(error) }, nowIso());
      await publish("note.failed", { error: errorOf(error) });
    }
    throw error;
  }
}
