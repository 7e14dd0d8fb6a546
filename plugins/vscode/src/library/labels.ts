import type { Document, Note } from "@academic-assist/sdk";

/** Codicon for a document's status. */
export function documentIcon(status: Document["status"]): string {
  switch (status) {
    case "queued":
      return "clock";
    case "processing":
    case "indexing":
      return "sync~spin";
    case "ready":
      return "file-pdf";
    case "failed":
      return "error";
  }
}

/** The grey text after a document's title: pages when ready, progress while processing, the error when failed. */
export function documentDescription(
  doc: Pick<Document, "status" | "progress" | "pageCount" | "error">,
): string {
  switch (doc.status) {
    case "queued":
      return "queued";
    case "processing":
    case "indexing": {
      const p = doc.progress;
      const stage = p?.stage ?? doc.status;
      return p && p.total > 0 ? `${stage} ${Math.round((100 * p.done) / p.total)}%` : `${stage}…`;
    }
    case "ready":
      return doc.pageCount === null ? "ready" : `${doc.pageCount} page${doc.pageCount === 1 ? "" : "s"}`;
    case "failed":
      return `failed: ${doc.error?.code ?? "error"}`;
  }
}

export function documentLabel(doc: Pick<Document, "filename" | "metadata">): string {
  return doc.metadata.title?.trim() || doc.filename;
}

export function noteLabel(note: Pick<Note, "title" | "template" | "status">): string {
  return note.title?.trim() || `${note.template} note`;
}

export function noteDescription(note: Pick<Note, "template" | "status" | "createdAt">): string {
  const day = note.createdAt.slice(0, 10);
  return note.status === "ready" ? `${note.template} · ${day}` : `${note.template} · ${note.status}`;
}
