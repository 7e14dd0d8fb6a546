export { chunkPages, type ChunkDraft, type ChunkOptions } from "./chunk-pages.ts";
export {
  extractImageInProcess,
  extractPdfInProcess,
  openPdf,
  type ExtractInProcessOptions,
  type ExtractionStage,
  type OcrOptions,
} from "./extract-in-process.ts";
export { needsOcr, type OcrLanguage } from "./ocr.ts";
export { imageDimensions, renderPageForOcr, toPgm, toPng, type GrayBitmap } from "./raster.ts";
export { extractDocument, prewarmExtraction, type ExtractDocumentOptions } from "./sandbox.ts";
export { collapseWhitespace, isCjk, isJapaneseChar, normalizeText } from "./text-normalize.ts";
export type { ExtractedDocument, ExtractedPage } from "./types.ts";
export { headingLevel } from "./sections.ts";
export { countTokens, splitSentences } from "./sentences.ts";
