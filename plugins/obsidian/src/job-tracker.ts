import type { Event } from "@academic-assist/sdk";

/** One thing in progress: a document being processed, or a note being generated. */
export interface RunningJob {
  key: string;
  label: string;
  stage: string;
  done: number;
  total: number;
}

const DOCUMENT_DONE = new Set(["ready", "failed"]);

/**
 * What is running, from the server's events (documents and notes of every device and client) and
 * from this plugin's own operations (the upload before the server knows about it). Feeds the
 * status bar; `onChange` fires after every change.
 */
export class JobTracker {
  readonly #jobs = new Map<string, RunningJob>();
  readonly #labels = new Map<string, string>();
  onChange: (() => void) | undefined;

  get running(): RunningJob[] {
    return [...this.#jobs.values()];
  }

  /** Names a document or note for display, e.g. by its PDF's file name. */
  name(key: string, label: string): void {
    this.#labels.set(key, label);
    const job = this.#jobs.get(key);
    if (job) {
      job.label = label;
      this.onChange?.();
    }
  }

  update(key: string, stage: string, done = 0, total = 0): void {
    const label = this.#labels.get(key) ?? this.#jobs.get(key)?.label ?? "document";
    this.#jobs.set(key, { key, label, stage, done, total });
    this.onChange?.();
  }

  finish(key: string): void {
    if (this.#jobs.delete(key)) this.onChange?.();
    this.#labels.delete(key);
  }

  /** Applies one server event. */
  apply(event: Event): void {
    const data = event.data;
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
    switch (event.type) {
      case "document.status": {
        if (!event.documentId) return;
        const key = `document:${event.documentId}`;
        const status = typeof data.status === "string" ? data.status : "processing";
        if (typeof data.title === "string" && !this.#labels.has(key)) this.#labels.set(key, data.title);
        if (DOCUMENT_DONE.has(status)) this.finish(key);
        else this.update(key, status);
        return;
      }
      case "document.progress": {
        if (!event.documentId) return;
        const stage = typeof data.stage === "string" ? data.stage : "processing";
        this.update(`document:${event.documentId}`, stage, num(data.done), num(data.total));
        return;
      }
      case "job.progress": {
        const key = event.noteId
          ? `note:${event.noteId}`
          : event.documentId
            ? `document:${event.documentId}`
            : null;
        if (!key) return;
        const progress = (
          typeof data.progress === "object" && data.progress !== null ? data.progress : data
        ) as Record<string, unknown>;
        const stage = typeof progress.stage === "string" ? progress.stage : "working";
        this.update(key, stage, num(progress.done), num(progress.total));
        return;
      }
      case "note.ready":
      case "note.failed":
        if (event.noteId) this.finish(`note:${event.noteId}`);
        return;
      case "job.completed":
      case "job.failed":
        // A note's generation job ends with note.ready/note.failed and a document's with
        // document.status, which carry the ids the tracker keys on.
        if (event.noteId) this.finish(`note:${event.noteId}`);
        return;
    }
  }

  /** The status bar text: empty when nothing runs. */
  summary(): string {
    const jobs = this.running;
    if (jobs.length === 0) return "";
    const first = jobs[0]!;
    const count = first.total > 0 ? ` ${first.done}/${first.total}` : "";
    const more = jobs.length > 1 ? ` (+${jobs.length - 1} more)` : "";
    return `Academic Assist: ${first.label} — ${first.stage}${count}${more}`;
  }
}
