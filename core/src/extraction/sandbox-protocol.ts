import type { ErrorCode } from "@academic-assist/sdk/contract";
import type { ExtractedDocument } from "./types.ts";

/** Parent → child: the one request a child serves. */
export interface ParentMessage {
  type: "extract";
  bytes: Uint8Array;
  maxPages: number;
}

/** Child → parent. */
export type ChildMessage =
  | { type: "ready" }
  | { type: "progress"; done: number; total: number }
  | { type: "result"; document: ExtractedDocument }
  | { type: "error"; error: { code: ErrorCode; detail: string; unrecoverable: boolean } };
