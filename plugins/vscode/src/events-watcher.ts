import { AuthenticationError, type Event } from "@academic-assist/sdk";
import * as vscode from "vscode";
import { Disposable, toDisposable } from "./disposable.ts";
import { isAbort } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { Session } from "./session.ts";

const MIN_RETRY_MS = 2_000;
const MAX_RETRY_MS = 60_000;

/**
 * Listens to the server's event stream (SSE) while we have a token, and re-emits every event (the
 * library view and the job counter feed on it). Reconnects with backoff when the server goes away,
 * stops on 401 (the session marks itself unauthorized), restarts when the session changes.
 */
export class EventsWatcher extends Disposable {
  readonly #session: Session;
  readonly #log: Logger;
  readonly #onEvent = this._register(new vscode.EventEmitter<Event>());
  readonly onEvent = this.#onEvent.event;
  readonly #onReconnect = this._register(new vscode.EventEmitter<void>());
  /** Fires on every (re)connection: state may have changed while we were not listening. */
  readonly onReconnect = this.#onReconnect.event;
  readonly #onRefused = this._register(new vscode.EventEmitter<void>());
  /** Fires when the server refuses the stream with 401: the token expired or was revoked. */
  readonly onRefused = this.#onRefused.event;
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(session: Session, log: Logger) {
    super();
    this.#session = session;
    this.#log = log;
    this._register(
      session.onDidChangeState((state) => {
        if (state === "connected" && !this.#controller) this.restart();
        if (state === "signedOut" || state === "unauthorized") this.stop();
      }),
    );
    this._register(toDisposable(() => this.stop()));
  }

  /** (Re)opens the stream now. */
  restart(): void {
    this.stop();
    if (this.isDisposed) return;
    const controller = new AbortController();
    this.#controller = controller;
    void this.#run(controller.signal, MIN_RETRY_MS);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#controller?.abort();
    this.#controller = undefined;
  }

  async #run(signal: AbortSignal, retryMs: number): Promise<void> {
    try {
      const client = await this.#session.client();
      const stream = client.events.stream({
        signal,
        maxReconnects: 2,
        onConnect: () => {
          retryMs = MIN_RETRY_MS;
          this.#session.setState("connected");
          this.#onReconnect.fire();
        },
      });
      for await (const event of stream) this.#onEvent.fire(event);
    } catch (err) {
      if (signal.aborted || isAbort(err)) return;
      this.#session.noteFailure(err);
      if (err instanceof AuthenticationError) {
        this.#log.warn("Event stream refused: the token expired or was revoked.");
        this.#controller = undefined;
        this.#onRefused.fire();
        return;
      }
      if (this.#session.state === "signedOut") {
        this.#controller = undefined;
        return;
      }
      this.#log.debug(
        `Event stream dropped (${err instanceof Error ? err.message : String(err)}); retrying in ${retryMs} ms`,
      );
      this.#timer = setTimeout(() => {
        if (!signal.aborted) void this.#run(signal, Math.min(retryMs * 2, MAX_RETRY_MS));
      }, retryMs);
    }
  }
}
