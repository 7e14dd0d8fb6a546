import type { ErrorCode } from "@academic-assist/sdk/contract";
import type { ExtractionStage, OcrOptions } from "./extract-in-process.ts";
import type { ExtractedDocument } from "./types.ts";

/** Parent → child: one request; a warm child serves several, one at a time. */
export interface ParentMessage {
  type: "extract";
  /** Echoed on every answer, so a late message of an earlier job is never taken for this one. */
  id: number;
  bytes: Uint8Array;
  /** `application/pdf`, or an image type (read with OCR as one page). */
  mediaType: string;
  maxPages: number;
  ocr?: OcrOptions;
}

/** Child → parent. */
export type ChildMessage =
  | { type: "ready" }
  | { type: "progress"; id: number; done: number; total: number; stage: ExtractionStage }
  | { type: "result"; id: number; document: ExtractedDocument; heapUsedMb: number }
  | {
      type: "error";
      id: number;
      error: { code: ErrorCode; detail: string; unrecoverable: boolean };
      heapUsedMb: number;
    };
