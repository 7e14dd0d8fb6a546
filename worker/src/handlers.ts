import {
  generateNote,
  indexDocument,
  processDocument,
  type AppContext,
  type JobHandler,
} from "@academic-assist/core";
import type { QueueName } from "@academic-assist/sdk/contract";
import { QueueName as QueueNames } from "@academic-assist/sdk/contract";

/** One handler per queue; a thin shell over the core pipeline. */
export type HandlerRegistry = { [Q in QueueName]: JobHandler<Q> };

export function createHandlers(app: AppContext): HandlerRegistry {
  return {
    document_processing: (ctx) => processDocument(app, ctx),
    indexing: (ctx) => indexDocument(app, ctx),
    llm_generation: (ctx) => generateNote(app, ctx),
  };
}

/** Stops the process at boot when a queue has no handler or a handler has no queue. */
export function checkRegistry(registry: Record<string, unknown>): void {
  const expected = new Set<string>(QueueNames.options);
  const missing = [...expected].filter((q) => typeof registry[q] !== "function");
  const unknown = Object.keys(registry).filter((q) => !expected.has(q));
  if (missing.length || unknown.length) {
    throw new Error(
      `Handler registry mismatch: missing [${missing.join(", ")}], unknown [${unknown.join(", ")}]`,
    );
  }
}
