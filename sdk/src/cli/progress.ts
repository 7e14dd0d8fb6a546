import type { CliStream } from "./io.ts";

/**
 * Progress on stderr. On a terminal one line is redrawn in place; elsewhere (CI logs, pipes) each
 * new stage is printed once, so logs stay readable.
 */
export class ProgressReporter {
  readonly #stream: CliStream;
  readonly #tty: boolean;
  #stage = "";
  #line = "";

  constructor(stream: CliStream) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
  }

  /** Shows `stage`, with a bar when `done`/`total` are known. */
  update(stage: string, progress?: { done: number; total: number } | null): void {
    if (!this.#tty) {
      if (stage !== this.#stage) this.#stream.write(`${stage}…\n`);
      this.#stage = stage;
      return;
    }
    this.#stage = stage;
    const width = Math.max(10, Math.min(30, (this.#stream.columns ?? 80) - stage.length - 20));
    let line = `${stage}…`;
    if (progress && progress.total > 0) {
      const ratio = Math.min(1, Math.max(0, progress.done / progress.total));
      const filled = Math.round(ratio * width);
      line = `${stage.padEnd(12)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${progress.done}/${progress.total}`;
    }
    if (line === this.#line) return;
    this.#line = line;
    this.#stream.write(`\r\x1b[2K${line}`);
  }

  /** Prints a message on its own line without breaking the bar. */
  log(message: string): void {
    if (this.#tty && this.#line) this.#stream.write("\r\x1b[2K");
    this.#stream.write(`${message}\n`);
    if (this.#tty && this.#line) this.#stream.write(this.#line);
  }

  /** Clears the bar. */
  done(): void {
    if (this.#tty && this.#line) this.#stream.write("\r\x1b[2K");
    this.#line = "";
  }
}
