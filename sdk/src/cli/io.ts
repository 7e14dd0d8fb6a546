/// <reference types="node" />
import type { Fetch } from "../core/api-client.ts";

/** An output the CLI writes to: `process.stdout`/`stderr`, or a buffer in tests. */
export interface CliStream {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/** Everything the CLI touches outside its arguments, so it can run in-process (tests, the e2e suite). */
export interface CliIO {
  stdout: CliStream;
  stderr: CliStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** For `login`'s password prompt; defaults to `process.stdin`. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  /** Replaces `fetch` (tests). */
  fetch?: Fetch | undefined;
  /** Cancels the running command. */
  signal?: AbortSignal | undefined;
}
