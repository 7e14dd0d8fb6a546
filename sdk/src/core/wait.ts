import type { AcademicAssist } from "../client.ts";
import type { Event } from "../contract/index.ts";
import { APITimeoutError } from "./errors.ts";
import { linkedAbortController, sleep } from "./utils.ts";

/** Options of the `waitUntilDone` helpers. */
export interface WaitOptions {
  /** Stops waiting; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * How to learn about changes. `stream` (default): SSE. `long-poll`: JSON `/events?wait=`, for
   * hosts whose `fetch` cannot stream (Obsidian's `requestUrl`). `poll`: re-fetch every
   * `pollInterval` only. If the event channel fails, waiting falls back to polling.
   */
  events?: "stream" | "long-poll" | "poll" | undefined;
  /** Milliseconds between re-fetches when no event arrives. Default 10 000 with events, 2 000 without. */
  pollInterval?: number | undefined;
  /** Give up after this many milliseconds with `APITimeoutError`. Default: wait as long as it takes. */
  timeout?: number | undefined;
}

/** Wakes the waiting loop early; notifications while it is busy are remembered, not lost. */
class Wakeup {
  #pending = false;
  #wake: (() => void) | undefined;

  notify(): void {
    this.#pending = true;
    this.#wake?.();
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.#pending) {
      const woken = new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      const { controller, dispose } = linkedAbortController(signal);
      try {
        await Promise.race([woken, sleep(ms, controller.signal)]);
      } finally {
        controller.abort();
        dispose();
        this.#wake = undefined;
      }
    }
    this.#pending = false;
  }
}

const MIN_REFRESH_GAP_MS = 250;

/**
 * Re-fetches an object until `isDone`, woken early by matching events. Every (re)connection of the
 * event channel also triggers a re-fetch, so an event that fired before the channel opened is not missed.
 */
export async function waitFor<T>(
  client: AcademicAssist,
  spec: {
    load: (signal: AbortSignal) => Promise<T>;
    isDone: (value: T) => boolean;
    projectOf: (value: T) => string;
    matches: (event: Event) => boolean;
    onValue?: ((value: T) => void) | undefined;
    onEvent?: ((event: Event) => void) | undefined;
  },
  options: WaitOptions,
): Promise<T> {
  const { controller, dispose } = linkedAbortController(options.signal);
  const { signal } = controller;
  const timeout = options.timeout;
  const timer =
    timeout === undefined
      ? undefined
      : setTimeout(() => {
          controller.abort(new APITimeoutError(`Still not done after ${timeout} ms.`));
        }, timeout);
  try {
    let value = await spec.load(signal);
    spec.onValue?.(value);
    if (spec.isDone(value)) return value;

    const mode = options.events ?? "stream";
    const wakeup = new Wakeup();
    let listening = mode !== "poll";
    if (listening) {
      listen(client, mode === "long-poll", spec.projectOf(value), spec, wakeup, signal).catch(() => {
        listening = false;
        wakeup.notify();
      });
    }
    let lastLoad = Date.now();
    for (;;) {
      await wakeup.wait(options.pollInterval ?? (listening ? 10_000 : 2_000), signal);
      const gap = Date.now() - lastLoad;
      if (gap < MIN_REFRESH_GAP_MS) await sleep(MIN_REFRESH_GAP_MS - gap, signal);
      value = await spec.load(signal);
      lastLoad = Date.now();
      spec.onValue?.(value);
      if (spec.isDone(value)) return value;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
    dispose();
  }
}

async function listen(
  client: AcademicAssist,
  longPoll: boolean,
  projectId: string,
  spec: { matches: (event: Event) => boolean; onEvent?: ((event: Event) => void) | undefined },
  wakeup: Wakeup,
  signal: AbortSignal,
): Promise<void> {
  const handle = (event: Event) => {
    if (!spec.matches(event)) return;
    spec.onEvent?.(event);
    wakeup.notify();
  };
  if (!longPoll) {
    const stream = client.events.stream({
      projectId,
      signal,
      onConnect: () => {
        wakeup.notify();
      },
    });
    for await (const event of stream) handle(event);
    return;
  }
  let after: string | undefined;
  let first = true;
  while (!signal.aborted) {
    const page = await client.events.list({ projectId, after, wait: 25 }, { signal });
    if (first) wakeup.notify();
    first = false;
    for (const event of page.items) handle(event);
    after = page.lastEventId ?? after;
  }
}
