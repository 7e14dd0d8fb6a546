import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh folder for one test. */
export interface TempDir {
  /** Absolute path of the folder. */
  path: string;
  /** Removes the folder and everything in it. */
  cleanup: () => Promise<void>;
}

/**
 * Creates an empty folder under the OS temp folder. Synchronous so it can be used anywhere
 * (`const dir = tempDir()`); pair it with `await dir.cleanup()` in `afterEach`.
 */
export function tempDir(prefix = "academic-assist-"): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true, maxRetries: 3 }) };
}

export { startFakeAnthropicServer } from "./fake-anthropic-server.ts";
export { startFakeOpenAiServer } from "./fake-openai-server.ts";
export type { FakeLlmRequest, FakeLlmServer, FakeReply, FakeScript } from "./fake-llm-server.ts";
export { scriptedNoteReply } from "./scripted-note-reply.ts";
export { openPdf, renderPageForOcr, toPng } from "../extraction/index.ts";
export { serviceUrl } from "./services.ts";
export { startRedisServer, type RedisServerHandle, type RedisServerOptions } from "./redis-server.ts";
export { sample as prometheusSample } from "./prometheus.ts";
