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
