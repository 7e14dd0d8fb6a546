import type { Document, Progress } from "@academic-assist/sdk";

const STAGES: Record<string, string> = {
  queued: "Waiting for the worker",
  extracting: "Extracting text",
  ocr: "Reading scanned pages (OCR)",
  structure: "Finding title, sections and references",
  chunking: "Splitting into passages",
  indexing: "Indexing for search",
  generating: "Writing the note",
};

function stageName(stage: string): string {
  return STAGES[stage] ?? stage.charAt(0).toUpperCase() + stage.slice(1);
}

/** Progress in words: `Extracting text — page 3 of 12`, `Indexing for search — 40 of 80 passages`. */
export function progressMessage(stage: string, progress: Progress | null): string {
  const name = stageName(progress?.stage ?? stage);
  if (!progress || progress.total <= 0) return `${name}…`;
  const s = progress.stage;
  const unit =
    s === "extracting" || s === "ocr" ? "page" : s === "indexing" || s === "chunking" ? "passages" : null;
  if (unit === "page")
    return `${name} — page ${Math.min(progress.done, progress.total)} of ${progress.total}`;
  if (unit === "passages") return `${name} — ${progress.done} of ${progress.total} passages`;
  return `${name} — ${progress.done} of ${progress.total}`;
}

/** The message for a document's current state. */
export function documentMessage(doc: Pick<Document, "status" | "progress" | "pageCount">): string {
  switch (doc.status) {
    case "queued":
      return `${stageName("queued")}…`;
    case "processing":
    case "indexing":
      return progressMessage(doc.status === "indexing" ? "indexing" : "extracting", doc.progress);
    case "ready":
      return doc.pageCount ? `Ready — ${doc.pageCount} pages` : "Ready";
    case "failed":
      return "Failed";
  }
}

/**
 * Overall completion (0–100) from a document's status and progress: extraction is the first 70 %,
 * indexing the rest. `withProgress` wants increments, so callers pass the difference.
 */
export function documentPercent(doc: Pick<Document, "status" | "progress">): number {
  const ratio =
    doc.progress && doc.progress.total > 0 ? Math.min(1, doc.progress.done / doc.progress.total) : 0;
  switch (doc.status) {
    case "queued":
      return 0;
    case "processing":
      return Math.round(5 + 65 * ratio);
    case "indexing":
      return Math.round(70 + 29 * ratio);
    case "ready":
    case "failed":
      return 100;
  }
}

/** Turns successive percentages into `withProgress` increments (never negative). */
export class IncrementTracker {
  #last = 0;
  next(percent: number): number {
    const inc = Math.max(0, percent - this.#last);
    this.#last = Math.max(this.#last, percent);
    return inc;
  }
}
