import { createRequire } from "node:module";
import path from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import type { PDFDocumentProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import { AppError, unrecoverable } from "../errors/app-error.ts";
import { extractMetadata } from "./metadata.ts";
import { layoutPage, type PositionedText } from "./page-layout.ts";
import type { ExtractedDocument, ExtractedPage, PageLayout } from "./types.ts";

/** Options of {@link extractPdfInProcess}. */
export interface ExtractInProcessOptions {
  /** Documents with more pages fail with `too_many_pages`. */
  maxPages: number;
  /** Called after each page with the pages done and the total. */
  onProgress?: (done: number, total: number) => void;
}

const pdfjsRoot = path.dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
// pdf.js in Node reads these with fs and wants directory paths ending in a separator.
const STANDARD_FONTS = path.join(pdfjsRoot, "standard_fonts") + path.sep;
const CMAPS = path.join(pdfjsRoot, "cmaps") + path.sep;

/**
 * Extracts every page's text (reading order, with boxes) and the bibliographic metadata of a PDF,
 * in this process. Untrusted input should go through `extractDocument`, which runs this in a
 * child process with time and memory limits.
 *
 * @throws AppError `password_required`, `pdf_corrupt` or `too_many_pages` (all unrecoverable).
 */
export async function extractPdfInProcess(
  bytes: Uint8Array,
  opts: ExtractInProcessOptions,
): Promise<ExtractedDocument> {
  const task = getDocument({
    // A plain Uint8Array copy: pdf.js detaches what it is given and refuses Node Buffers.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    standardFontDataUrl: STANDARD_FONTS,
    cMapUrl: CMAPS,
    cMapPacked: true,
    verbosity: 0,
    stopAtErrors: false,
  });
  let doc: PDFDocumentProxy | null = null;
  try {
    try {
      doc = await task.promise;
    } catch (e) {
      throw translate(e);
    }
    const total = doc.numPages;
    if (total > opts.maxPages) {
      throw unrecoverable("too_many_pages", `The PDF has ${total} pages; the limit is ${opts.maxPages}.`);
    }
    const layouts: PageLayout[] = [];
    const pages: ExtractedPage[] = [];
    let firstFailure: AppError | null = null;
    let failures = 0;
    for (let n = 1; n <= total; n++) {
      let layout: PageLayout;
      try {
        layout = await layoutOf(doc, n);
      } catch (e) {
        // One damaged page (a corrupt stream) should not cost the reader the other pages.
        firstFailure ??= translate(e, n);
        failures++;
        layout = { width: 0, height: 0, text: "", spans: [], lines: [] };
      }
      layouts.push(layout);
      pages.push({
        number: n,
        width: layout.width,
        height: layout.height,
        text: layout.text,
        spans: layout.spans,
        source: "text",
      });
      opts.onProgress?.(n, total);
    }
    if (firstFailure && failures === total) throw firstFailure;
    const info = await doc.getMetadata().catch(() => null);
    const metadata = extractMetadata(layouts, infoOf(info?.info));
    return { pageCount: total, pages, metadata };
  } finally {
    await task.destroy().catch(() => undefined);
  }
}

async function layoutOf(doc: PDFDocumentProxy, n: number): Promise<PageLayout> {
  const page = await doc.getPage(n);
  try {
    const [x0, y0, x1, y1] = page.view as [number, number, number, number];
    const width = x1 - x0;
    const height = y1 - y0;
    const content = await page.getTextContent();
    const runs: PositionedText[] = [];
    for (const item of content.items) {
      if (!("str" in item) || item.str.length === 0) continue;
      const [a, b, c, d, e, f] = item.transform as [number, number, number, number, number, number];
      // Rotated or mirrored text (margin stamps, rotated tables) does not belong in the reading order.
      if (Math.abs(b) > Math.abs(a) * 0.1 || Math.abs(c) > Math.abs(d) * 0.1 || a <= 0 || d <= 0) continue;
      const size = Math.hypot(c, d);
      runs.push({
        str: item.str,
        x: e - x0,
        baseline: f - y0,
        width: item.width,
        height: item.height > 0 ? item.height : size,
        size,
      });
    }
    return layoutPage(runs, width, height);
  } finally {
    page.cleanup();
  }
}

function infoOf(info: unknown): { title: string | null; creationYear: number | null } {
  if (typeof info !== "object" || info === null) return { title: null, creationYear: null };
  const rec = info as Record<string, unknown>;
  const title = typeof rec.Title === "string" && rec.Title.trim() ? rec.Title.trim() : null;
  const m = typeof rec.CreationDate === "string" ? /^(?:D:)?(\d{4})/.exec(rec.CreationDate) : null;
  return { title, creationYear: m ? Number(m[1]) : null };
}

function translate(e: unknown, page?: number): AppError {
  if (e instanceof AppError) return e;
  const name = typeof e === "object" && e !== null && "name" in e ? String(e.name) : "";
  const message = e instanceof Error ? e.message : String(e);
  if (name === "PasswordException") {
    return unrecoverable("password_required", "The PDF is encrypted and needs a password.", e);
  }
  const where = page === undefined ? "" : ` (page ${page})`;
  return unrecoverable(
    "pdf_corrupt",
    `The file is not a readable PDF${where}: ${message || name || "unknown error"}`,
    e,
  );
}
