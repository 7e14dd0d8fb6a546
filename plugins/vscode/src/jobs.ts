import type { Event } from "@academic-assist/sdk";

/**
 * Counts running jobs: the ones this editor started (until they finish) and the ones the server
 * reports progress for over events (until a completion event arrives). No `vscode` import.
 */
export class JobTracker {
  readonly #remote = new Set<string>();
  #local = 0;
  readonly #listeners = new Set<(count: number) => void>();

  get count(): number {
    return this.#local + this.#remote.size;
  }

  onDidChange(listener: (count: number) => void): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  /** Counts `work` as one running job until it settles. */
  async track<T>(work: Promise<T>): Promise<T> {
    this.#local++;
    this.#fire();
    try {
      return await work;
    } finally {
      this.#local--;
      this.#fire();
    }
  }

  /** Feeds a server event: progress marks its job running, completion or failure ends it. */
  observe(event: Event): void {
    const id = event.jobId;
    if (!id) return;
    const before = this.#remote.size;
    switch (event.type) {
      case "job.progress":
      case "document.progress":
        this.#remote.add(id);
        break;
      case "job.completed":
      case "job.failed":
      case "note.ready":
      case "note.failed":
        this.#remote.delete(id);
        break;
      case "document.status": {
        const status = event.data.status;
        if (status === "ready" || status === "failed") this.#remote.delete(id);
        break;
      }
    }
    if (this.#remote.size !== before) this.#fire();
  }

  /** Forgets server-reported jobs (after a reconnect we cannot know which finished meanwhile). */
  clearRemote(): void {
    if (this.#remote.size === 0) return;
    this.#remote.clear();
    this.#fire();
  }

  #fire(): void {
    for (const l of this.#listeners) l(this.count);
  }
}
