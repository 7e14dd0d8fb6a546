import {
  AuthenticationError,
  PermissionDeniedError,
  type AcademicAssist,
  type Event,
} from "@academic-assist/sdk";

/** Seconds the server holds each long-poll open waiting for an event. */
const WAIT_SECONDS = 25;
const MIN_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 120_000;

/**
 * Follows the server's events by JSON long-poll (`events.list({ after, wait })`): `requestUrl`
 * returns a whole body at once, so SSE cannot be read. Starts from "now", resumes after the last
 * event seen, backs off while the server is unreachable, and stops for good on 401/403 (a new
 * token restarts it through the plugin's settings).
 */
export class EventPoller {
  #controller: AbortController | null = null;

  constructor(private readonly onEvent: (event: Event) => void) {}

  get running(): boolean {
    return this.#controller !== null;
  }

  start(client: AcademicAssist): void {
    this.stop();
    const controller = new AbortController();
    this.#controller = controller;
    void this.#loop(client, controller.signal).finally(() => {
      if (this.#controller === controller) this.#controller = null;
    });
  }

  stop(): void {
    this.#controller?.abort();
    this.#controller = null;
  }

  async #loop(client: AcademicAssist, signal: AbortSignal): Promise<void> {
    let after: string | undefined;
    let backoff = MIN_BACKOFF_MS;
    while (!signal.aborted) {
      try {
        const page = await client.events.list({ after, wait: WAIT_SECONDS }, { signal, maxRetries: 0 });
        if (signal.aborted) return;
        for (const event of page.items) this.onEvent(event);
        after = page.lastEventId ?? after;
        backoff = MIN_BACKOFF_MS;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof AuthenticationError || err instanceof PermissionDeniedError) return;
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
