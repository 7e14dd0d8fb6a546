import { APIConnectionError, ApiError, APITimeoutError, ProcessingFailedError } from "../core/errors.ts";
import { UnsafePathError } from "../writeback/index.ts";
import { UsageError } from "./args.ts";
import { ConfigError } from "./config.ts";

/** A failure whose message is already written for the user (exit code 1). */
export class CliError extends Error {
  override name = "CliError";
}

const HINTS: Partial<Record<number, string>> = {
  401: "Check the API key (--api-key, ACADEMIC_ASSIST_API_KEY) or sign in again with `academic-assist login`.",
  403: "Your role in this project does not allow this.",
  413: "The file is larger than the server accepts.",
  415: "Academic Assist reads PDF files and scanned pages as PNG, JPEG or TIFF.",
};

/** A readable message for any error: what happened, its code and request id, and what to do. */
export function formatError(
  err: unknown,
  context: { baseURL?: string | undefined; source?: string | undefined } = {},
): string {
  if (err instanceof UsageError) {
    return err.message.startsWith("Usage:")
      ? err.message
      : `${err.message}\nRun \`academic-assist --help\` for usage.`;
  }
  if (err instanceof ApiError) {
    const facts = [
      err.code ? `code ${err.code}` : null,
      `HTTP ${err.status}`,
      err.requestId ? `request id ${err.requestId}` : null,
    ].filter((x) => x !== null);
    const lines = [`Error: ${err.detail}`, `  (${facts.join(", ")})`];
    for (const field of err.errors) lines.push(`  - ${field.path}: ${field.message}`);
    const hint = HINTS[err.status];
    if (hint) lines.push(hint);
    return lines.join("\n");
  }
  const where = context.baseURL ? ` at ${context.baseURL}` : "";
  const from = context.source && context.source.endsWith(".json") ? ` (from ${context.source})` : "";
  if (err instanceof APITimeoutError) return `Error: the server${where} did not answer in time.`;
  if (err instanceof APIConnectionError) {
    return [
      `Error: cannot reach the Academic Assist server${where}${from}.`,
      `  ${err.message}`,
      "Is it running? Start the local server with `npm start` in the academic-assist folder.",
    ].join("\n");
  }
  if (err instanceof ProcessingFailedError) {
    return `Error: the ${err.kind === "document" ? "paper could not be processed" : "note could not be generated"}: ${err.detail}\n  (code ${err.code})`;
  }
  if (err instanceof ConfigError || err instanceof CliError || err instanceof UnsafePathError)
    return `Error: ${err.message}`;
  if (err instanceof Error && err.name === "AbortError") return "Cancelled.";
  if (err instanceof Error) return `Error: ${err.message}`;
  return `Error: ${String(err)}`;
}
