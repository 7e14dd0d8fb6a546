import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BlobStore } from "../blob-store.ts";
import { errorCodeOf, type ContractSubject } from "./contract-helpers.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    await Promise.resolve();
    yield bytes(part);
  }
}

async function* failingAfter(parts: string[], error: Error): AsyncGenerator<Uint8Array> {
  yield* chunks(...parts);
  throw error;
}

async function drain(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts).toString("utf8");
}

/**
 * The behaviour every {@link BlobStore} implementation must have. `make` returns a fresh adapter on
 * an empty store each time.
 */
export function describeBlobStore(make: () => Promise<ContractSubject<BlobStore>>): void {
  describe("BlobStore contract", () => {
    let store: BlobStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ adapter: store, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    it("when a stream is put, then the whole blob reads back and its size is reported", async () => {
      const result = await store.put("documents/doc_1/original", chunks("hello ", "world", " 日本語"), {
        contentType: "application/pdf",
      });

      expect(result.size).toBe(bytes("hello world 日本語").byteLength);
      expect(text(await store.read("documents/doc_1/original"))).toBe("hello world 日本語");
      expect(await drain(await store.get("documents/doc_1/original"))).toBe("hello world 日本語");
      expect(await store.stat("documents/doc_1/original")).toEqual({ size: result.size });
    });

    it("when an empty stream is put, then an empty blob exists", async () => {
      const result = await store.put("empty", chunks());

      expect(result.size).toBe(0);
      expect(await store.stat("empty")).toEqual({ size: 0 });
      expect((await store.read("empty")).byteLength).toBe(0);
    });

    it("when a range is read, then exactly those bytes (end inclusive) come back", async () => {
      await store.put("r/blob", chunks("0123456789"));

      expect(await drain(await store.get("r/blob", { start: 2, end: 5 }))).toBe("2345");
      expect(await drain(await store.get("r/blob", { start: 7 }))).toBe("789");
      expect(await drain(await store.get("r/blob", { start: 0, end: 0 }))).toBe("0");
    });

    it("when the stream fails midway, then the error is rethrown and no blob is left", async () => {
      const boom = new Error("upload truncated");

      await expect(
        store.put("documents/doc_2/original", failingAfter(["part one", "part two"], boom)),
      ).rejects.toBe(boom);

      expect(await store.stat("documents/doc_2/original")).toBeNull();
      expect(await errorCodeOf(store.read("documents/doc_2/original"))).toBe("not_found");
    });

    it("when overwriting a blob fails midway, then the previous content is still there", async () => {
      await store.put("keep", chunks("original"));

      await expect(store.put("keep", failingAfter(["replacement"], new Error("aborted")))).rejects.toThrow(
        "aborted",
      );

      expect(text(await store.read("keep"))).toBe("original");
    });

    it("when a blob is put again, then the new content replaces the old", async () => {
      await store.put("k", chunks("first version"));

      await store.put("k", chunks("second"));

      expect(text(await store.read("k"))).toBe("second");
      expect(await store.stat("k")).toEqual({ size: 6 });
    });

    it("when a blob is missing, then read and get fail with not_found and stat is null", async () => {
      expect(await errorCodeOf(store.read("missing/blob"))).toBe("not_found");
      expect(await errorCodeOf(store.get("missing/blob"))).toBe("not_found");
      expect(await store.stat("missing/blob")).toBeNull();
    });

    it("when a blob is deleted twice, then it is gone and the second delete is not an error", async () => {
      await store.put("d/x", chunks("bye"));

      await store.delete("d/x");
      await store.delete("d/x");

      expect(await store.stat("d/x")).toBeNull();
    });

    it("when a key could escape the store or is malformed, then every operation fails with validation_failed", async () => {
      for (const key of ["../x", "a/../../x", "/etc/passwd", "", "UPPER", "a//b", "sp ace", ".hidden"]) {
        expect(await errorCodeOf(store.put(key, chunks("x"))), key).toBe("validation_failed");
        expect(await errorCodeOf(store.read(key)), key).toBe("validation_failed");
        expect(await errorCodeOf(store.stat(key)), key).toBe("validation_failed");
        expect(await errorCodeOf(store.delete(key)), key).toBe("validation_failed");
      }
    });

    it("when the store is reachable, then ping answers true", async () => {
      expect(await store.ping()).toBe(true);
    });
  });
}
