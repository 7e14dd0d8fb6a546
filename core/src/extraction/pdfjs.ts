import { readFile } from "node:fs/promises";

/**
 * pdf.js, loaded once per process. Only its legacy build runs on Node 20, and that build bundles
 * core-js, which on Node 20 replaces `Array.prototype.push`, `JSON.parse` and `JSON.stringify`
 * with JavaScript polyfills (for edge cases such as array-likes longer than 2^32, which nothing
 * here meets). Every `push` in the process — pdf.js's own and ours — then runs through the
 * polyfill: about a tenth of the extraction time on the corpus papers. The natives are put back
 * once both of pdf.js's modules are loaded; the worker module (which carries its own copy of
 * core-js) is loaded here too, rather than by the first `getDocument`.
 */
const natives = { push: Array.prototype.push, parse: JSON.parse, stringify: JSON.stringify };

const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
(globalThis as { pdfjsWorker?: unknown }).pdfjsWorker =
  await import("pdfjs-dist/legacy/build/pdf.worker.mjs");

Array.prototype.push = natives.push;
JSON.parse = natives.parse;
JSON.stringify = natives.stringify;

export const { getDocument, OPS } = pdfjs;
export type { PDFDocumentProxy, PDFPageProxy } from "pdfjs-dist/legacy/build/pdf.mjs";

const cache = new Map<string, Promise<Uint8Array>>();

/**
 * Reads pdf.js's CMaps and standard font files from disk once per process instead of once per
 * document (the stock Node factory re-reads them for every PDF: a measurable share of reading a
 * short paper). Names come from the PDF (an encoding's name), so only plain file names inside the
 * configured folders are read.
 */
export class CachedBinaryDataFactory {
  private readonly base: Record<string, string | null>;

  constructor(opts: {
    cMapUrl?: string | null;
    standardFontDataUrl?: string | null;
    wasmUrl?: string | null;
  }) {
    this.base = {
      cMapUrl: opts.cMapUrl ?? null,
      standardFontDataUrl: opts.standardFontDataUrl ?? null,
      wasmUrl: opts.wasmUrl ?? null,
    };
  }

  async fetch({ kind, filename }: { kind: string; filename: string }): Promise<Uint8Array> {
    const base = this.base[kind];
    if (!base || !/^[\w.-]+$/.test(filename) || filename.includes("..")) {
      throw new Error(`Unable to load ${kind} data: ${filename}`);
    }
    const file = `${base}${filename}`;
    let data = cache.get(file);
    if (!data) {
      data = readFile(file).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      cache.set(file, data);
      data.catch(() => cache.delete(file));
    }
    // A copy: pdf.js may transfer (detach) what it is given.
    return new Uint8Array(await data);
  }
}
