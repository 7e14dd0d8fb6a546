import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeBlobStore } from "../../ports/contracts/blob-store.contract.ts";
import { tempDir } from "../../testing/index.ts";
import { LocalDiskBlobStore } from "./local-disk-blob-store.ts";

async function* failing(): AsyncGenerator<Uint8Array> {
  yield new Uint8Array(1024);
  throw new Error("client went away");
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("LocalDiskBlobStore", () => {
  describeBlobStore(async () => {
    const dir = tempDir();
    return { adapter: new LocalDiskBlobStore(join(dir.path, "blobs")), cleanup: dir.cleanup };
  });

  it("when a put fails midway, then no file (not even a temp file) is left on disk", async () => {
    const dir = tempDir();
    const store = new LocalDiskBlobStore(dir.path);

    await expect(store.put("documents/doc_1/original", failing())).rejects.toThrow("client went away");

    expect(await listFiles(dir.path)).toEqual([]);
    await dir.cleanup();
  });

  it("when a blob is stored, then it is a file under the root at the key's path", async () => {
    const dir = tempDir();
    const store = new LocalDiskBlobStore(dir.path);

    await store.put(
      "documents/doc_1/original",
      (async function* () {
        yield new TextEncoder().encode("pdf");
      })(),
    );

    expect(await listFiles(dir.path)).toEqual([join(dir.path, "documents/doc_1/original")]);
    await dir.cleanup();
  });
});
