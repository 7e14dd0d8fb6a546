import type { ErrorCode } from "@academic-assist/sdk/contract";
import type { ExtractionStage, OcrOptions } from "./extract-in-process.ts";
import type { ExtractedDocument } from "./types.ts";

/** Parent → child: the one request a child serves. */
export interface ParentMessage {
  type: "extract";
  bytes: Uint8Array;
  /** `application/pdf`, or an image type (read with OCR as one page). */
  mediaType: string;
  maxPages: number;
  ocr?: OcrOptions;
}

/** Child → parent. */
export type ChildMessage =
  | { type: "ready" }
  | { type: "progress"; done: number; total: number; stage: ExtractionStage }
  | { type: "result"; document: ExtractedDocument }
  | { type: "error"; error: { code: ErrorCode; detail: string; unrecoverable: boolean } };
