import { AsyncLocalStorage } from "node:async_hooks";
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/** Request or job id of the work in progress, attached to every log line written inside it. */
export const logContext = new AsyncLocalStorage<{ requestId?: string; jobId?: string }>();

/** Keys whose values never reach a log line, wherever they appear. */
const REDACT = [
  "password",
  "token",
  "accessToken",
  "apiKey",
  "authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "*.password",
  "*.token",
  "*.apiKey",
  "*.authorization",
  "SECRET_KEY",
  "*.SECRET_KEY",
  // ioredis errors carry the failed command; for AUTH its arguments are the password.
  "err.command.args",
];

/** The process logger: JSON lines (pipe through `pino-pretty` to read them in development). */
export function createLogger(options: { level: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: { paths: REDACT, censor: "[redacted]" },
    base: { pid: process.pid, component: options.name },
    mixin: () => logContext.getStore() ?? {},
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/**
 * Ends a process whose start failed: one line with the error's message and its causes' messages,
 * then exit 1. Not Node's own report of an unhandled error, which prints every property of every
 * cause — and a Redis client's AUTH error carries the password it sent.
 */
export function exitOnStartFailure(processName: string, err: unknown): never {
  const messages: string[] = [];
  for (let e: unknown = err; e !== undefined && messages.length < 5;) {
    messages.push(e instanceof Error ? e.message : typeof e === "string" ? e : "a non-error value");
    e = e instanceof Error ? e.cause : undefined;
  }
  process.stderr.write(
    `academic-assist ${processName}: could not start: ${messages.join(" — caused by: ")}\n`,
  );
  process.exit(1);
}
