export { chunkPages, type ChunkDraft, type ChunkOptions } from "./chunk-pages.ts";
export { extractPdfInProcess, type ExtractInProcessOptions } from "./extract-in-process.ts";
export { extractDocument, type ExtractDocumentOptions } from "./sandbox.ts";
export { collapseWhitespace, isCjk, normalizeText } from "./text-normalize.ts";
export type { ExtractedDocument, ExtractedPage } from "./types.ts";
export { headingLevel } from "./chunk-pages.ts";
export { countTokens, splitSentences } from "./sentences.ts";
