import type * as vscode from "vscode";
import { redact } from "./redact.ts";

/**
 * Levelled logs into the "Academic Assist" output channel. Every line passes through `redact`, so
 * a token registered with `addSecret` (or any bearer credential) never reaches the log.
 */
export class Logger {
  readonly #channel: vscode.LogOutputChannel;
  readonly #secrets = new Set<string>();

  constructor(channel: vscode.LogOutputChannel) {
    this.#channel = channel;
  }

  addSecret(secret: string): void {
    this.#secrets.add(secret);
  }

  trace(message: string): void {
    this.#channel.trace(this.#clean(message));
  }
  debug(message: string): void {
    this.#channel.debug(this.#clean(message));
  }
  info(message: string): void {
    this.#channel.info(this.#clean(message));
  }
  warn(message: string): void {
    this.#channel.warn(this.#clean(message));
  }
  error(message: string, err?: unknown): void {
    const detail =
      err === undefined
        ? ""
        : `: ${err instanceof Error ? `${err.name}: ${err.message}` : typeof err === "string" ? err : JSON.stringify(err)}`;
    this.#channel.error(this.#clean(message + detail));
  }

  show(): void {
    this.#channel.show(true);
  }

  #clean(message: string): string {
    return redact(message, this.#secrets);
  }
}
