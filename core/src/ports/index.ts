export type * from "./blob-store.ts";
export type * from "./event-bus.ts";
export type * from "./job-queue.ts";
export type * from "./note-generator.ts";
export type * from "./repositories.ts";
export type * from "./search-index.ts";
export type * from "./llm-provider.ts";
