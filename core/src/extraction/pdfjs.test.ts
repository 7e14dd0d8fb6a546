import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CachedBinaryDataFactory, getDocument } from "./pdfjs.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "aa-pdfjs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pdf.js as loaded by the extractor", () => {
  it("when pdf.js (and its bundled polyfills) is loaded, then push and JSON are still the engine's own", () => {
    expect(typeof getDocument).toBe("function");
    expect(Array.prototype.push.toString()).toContain("[native code]");
    expect(JSON.parse.toString()).toContain("[native code]");
    expect(JSON.stringify.toString()).toContain("[native code]");
  });

  it("when a font file is fetched twice, then it is read once and each caller gets its own copy", async () => {
    const factory = new CachedBinaryDataFactory({ standardFontDataUrl: `${dir}${path.sep}` });
    writeFileSync(path.join(dir, "Font.pfb"), new Uint8Array([1, 2, 3]));

    const a = await factory.fetch({ kind: "standardFontDataUrl", filename: "Font.pfb" });
    writeFileSync(path.join(dir, "Font.pfb"), new Uint8Array([9, 9, 9]));
    const b = await factory.fetch({ kind: "standardFontDataUrl", filename: "Font.pfb" });
    a[0] = 7;

    expect([...b]).toEqual([1, 2, 3]);
  });

  it("when a PDF names a CMap with a path in it, then nothing outside the CMap folder is read", async () => {
    const factory = new CachedBinaryDataFactory({ cMapUrl: `${dir}${path.sep}` });

    await expect(factory.fetch({ kind: "cMapUrl", filename: "../../etc/passwd" })).rejects.toThrow(
      /Unable to load/,
    );
    await expect(factory.fetch({ kind: "cMapUrl", filename: "a/b.bcmap" })).rejects.toThrow(/Unable to load/);
    await expect(factory.fetch({ kind: "wasmUrl", filename: "x.wasm" })).rejects.toThrow(/Unable to load/);
  });
});
