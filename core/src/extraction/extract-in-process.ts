import { createRequire } from "node:module";
import path from "node:path";
import { CachedBinaryDataFactory, getDocument, OPS, type PDFDocumentProxy } from "./pdfjs.ts";
import { AppError, unrecoverable } from "../errors/app-error.ts";
import { extractMetadata } from "./metadata.ts";
import { letterCount, needsOcr, OcrPool, ocrLayout, type OcrLanguage } from "./ocr.ts";
import { layoutPage, type PositionedText } from "./page-layout.ts";
import { checkPixels, imageDimensions, OCR_DPI, renderPageForOcr } from "./raster.ts";
import { japaneseShare } from "./text-normalize.ts";
import type { ExtractedDocument, ExtractedPage, PageLayout } from "./types.ts";

/** How pages without a usable text layer (and images) are read. */
export interface OcrOptions {
  /**
   * Languages to recognise, most likely first (the project's language). Japanese is added when the
   * document's text layer turns out to be Japanese.
   */
  languages: OcrLanguage[];
  /** Pages recognised at a time (tesseract worker threads). */
  workers: number;
  /** One page's OCR is stopped after this long; the document fails with `extraction_timeout`. */
  pageTimeoutMs: number;
  /** Largest bitmap (pixels) a page is rendered to, or an uploaded image may declare. */
  maxImagePixels: number;
  /** Where unpacked language data is kept; defaults to the OS temp folder. */
  dataDir?: string;
  /** A folder of `<lang>.traineddata` (plain or .gz) used instead of the shipped models. */
  languageData?: string;
}

/** Stages reported through `onProgress`: the text layer page by page, then OCR page by page. */
export type ExtractionStage = "extracting" | "ocr";

/** Options of {@link extractPdfInProcess}. */
export interface ExtractInProcessOptions {
  /** Documents with more pages fail with `too_many_pages`. */
  maxPages: number;
  /** Without it, pages are taken from the text layer only (the former behaviour). */
  ocr?: OcrOptions;
  /** Called after each page with the pages done and the total of the stage. */
  onProgress?: (done: number, total: number, stage: ExtractionStage) => void;
}

const pdfjsRoot = path.dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
// pdf.js in Node reads these with fs and wants directory paths ending in a separator.
const STANDARD_FONTS = path.join(pdfjsRoot, "standard_fonts") + path.sep;
const CMAPS = path.join(pdfjsRoot, "cmaps") + path.sep;

/**
 * Opens a PDF with pdf.js the safe way (no `eval`, no system fonts, bundled CMaps and fonts).
 * `maxImagePixels` drops embedded images larger than that instead of decoding them.
 */
export function openPdf(bytes: Uint8Array, maxImagePixels?: number) {
  return getDocument({
    // A plain Uint8Array copy: pdf.js detaches what it is given and refuses Node Buffers.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    standardFontDataUrl: STANDARD_FONTS,
    cMapUrl: CMAPS,
    cMapPacked: true,
    BinaryDataFactory: CachedBinaryDataFactory,
    verbosity: 0,
    stopAtErrors: false,
    // Embedded images larger than this are dropped instead of decoded (decompression bombs).
    ...(maxImagePixels ? { maxImageSize: maxImagePixels } : {}),
  });
}

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
  const task = openPdf(bytes, opts.ocr?.maxImagePixels);
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
    // Rotated text of the first page (arXiv's side stamp), kept out of the reading order.
    const margin: string[] = [];
    for (let n = 1; n <= total; n++) {
      let layout: PageLayout;
      try {
        layout = await layoutOf(doc, n, n === 1 ? margin : null);
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
      opts.onProgress?.(n, total, "extracting");
    }
    if (firstFailure && failures === total) throw firstFailure;
    if (opts.ocr) await ocrWeakPages(doc, pages, layouts, opts.ocr, opts.onProgress);
    const info = await doc.getMetadata().catch(() => null);
    const metadata = extractMetadata(layouts, infoOf(info?.info), { marginText: margin.join(" ") });
    return { pageCount: total, pages, metadata };
  } finally {
    await task.destroy().catch(() => undefined);
  }
}

/**
 * Reads with OCR the pages whose text layer is missing or garbage (and only those), `workers` at a
 * time: rendering one page overlaps with recognising another. A weak text layer is kept when OCR
 * finds no more letters than it has.
 */
async function ocrWeakPages(
  doc: PDFDocumentProxy,
  pages: ExtractedPage[],
  layouts: PageLayout[],
  ocr: OcrOptions,
  onProgress: ExtractInProcessOptions["onProgress"],
): Promise<void> {
  const candidates = pages.filter((p) => p.width > 0 && needsOcr(p.text));
  // A born-digital paper's blank or vector-figure pages have no text either; OCR there costs
  // seconds a page and finds nothing. Only pages that paint an image, or carry a garbage text layer
  // (letters present but unreadable), are worth reading.
  const todo: number[] = [];
  for (const p of candidates) {
    if (letterCount(p.text) >= 8 || (await paintsImage(doc, p.number))) todo.push(p.number);
  }
  if (todo.length === 0) return;
  const languages = withDetected(ocr.languages, pages.map((p) => p.text).join("\n"));
  const pool = new OcrPool({ ...ocr, languages, size: Math.min(ocr.workers, todo.length) });
  let done = 0;
  onProgress?.(0, todo.length, "ocr");
  try {
    let next = 0;
    const runner = async () => {
      while (next < todo.length) {
        const n = todo[next++]!;
        const page = await doc.getPage(n);
        let rendered: Awaited<ReturnType<typeof renderPageForOcr>>;
        try {
          rendered = await renderPageForOcr(page, ocr.maxImagePixels);
        } finally {
          page.cleanup();
        }
        const lines = await pool.recognize(rendered.bitmap, `page ${n}`);
        const prev = pages[n - 1]!;
        const layout = ocrLayout(lines, rendered.scale, prev.width, prev.height);
        if (letterCount(layout.text) > letterCount(prev.text)) {
          layouts[n - 1] = layout;
          pages[n - 1] = { ...prev, text: layout.text, spans: layout.spans, source: "ocr" };
        }
        onProgress?.(++done, todo.length, "ocr");
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(ocr.workers, todo.length)) }, runner));
  } finally {
    await pool.close();
  }
}

const IMAGE_OPS = new Set<number>([
  OPS.paintImageXObject,
  OPS.paintInlineImageXObject,
  OPS.paintImageXObjectRepeat,
  OPS.paintImageMaskXObject,
  OPS.paintImageMaskXObjectGroup,
  OPS.paintImageMaskXObjectRepeat,
  OPS.paintInlineImageXObjectGroup,
  OPS.paintSolidColorImageMask,
]);

/** Whether the page draws any raster image (a scan is one big image). */
async function paintsImage(doc: PDFDocumentProxy, pageNumber: number): Promise<boolean> {
  const page = await doc.getPage(pageNumber);
  try {
    const ops = await page.getOperatorList();
    return ops.fnArray.some((fn) => IMAGE_OPS.has(fn));
  } finally {
    page.cleanup();
  }
}

/** The project's languages, plus Japanese when the readable part of the document is Japanese. */
function withDetected(languages: OcrLanguage[], text: string): OcrLanguage[] {
  const out = languages.length > 0 ? [...languages] : (["eng"] as OcrLanguage[]);
  if (!out.includes("jpn") && japaneseShare(text) > 0.2) out.unshift("jpn");
  return out;
}

/**
 * Reads an uploaded image (PNG, JPEG, TIFF) as a one-page document with OCR. Its declared size is
 * checked against the pixel limit before a byte of it is decoded.
 *
 * @throws AppError `payload_too_large` (pixel limit), `unsupported_media_type` (unreadable image),
 *   `extraction_timeout` (all unrecoverable).
 */
export async function extractImageInProcess(
  bytes: Uint8Array,
  opts: { ocr: OcrOptions; onProgress?: ExtractInProcessOptions["onProgress"] },
): Promise<ExtractedDocument> {
  const dims = imageDimensions(bytes);
  if (!dims) {
    throw unrecoverable(
      "unsupported_media_type",
      "The image is damaged: its size cannot be read from its header.",
    );
  }
  checkPixels(dims.width, dims.height, opts.ocr.maxImagePixels, "The image");
  opts.onProgress?.(0, 1, "ocr");
  const pool = new OcrPool({ ...opts.ocr, languages: withDetected(opts.ocr.languages, ""), size: 1 });
  try {
    let lines;
    try {
      lines = await pool.recognize(bytes, "the image");
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw unrecoverable(
        "unsupported_media_type",
        `The image could not be decoded: ${e instanceof Error ? e.message : String(e)}`,
        e,
      );
    }
    // Page units are points of the image printed at 300 dpi, like a scanned PDF page.
    const scale = OCR_DPI / 72;
    const layout = ocrLayout(lines, scale, dims.width / scale, dims.height / scale);
    opts.onProgress?.(1, 1, "ocr");
    const page: ExtractedPage = {
      number: 1,
      width: layout.width,
      height: layout.height,
      text: layout.text,
      spans: layout.spans,
      source: "ocr",
    };
    return {
      pageCount: 1,
      pages: [page],
      metadata: extractMetadata([layout], { title: null, creationYear: null }),
    };
  } finally {
    await pool.close();
  }
}

/** Lays out page `n`; its rotated runs go to `margin` when one is given. */
async function layoutOf(doc: PDFDocumentProxy, n: number, margin: string[] | null): Promise<PageLayout> {
  const page = await doc.getPage(n);
  try {
    const [x0, y0, x1, y1] = page.view as [number, number, number, number];
    const width = x1 - x0;
    const height = y1 - y0;
    // pdf.js's own normalisation is skipped: every run goes through normalizeText (NFKC) in layout.
    const content = await page.getTextContent({ disableNormalization: true });
    const runs: PositionedText[] = [];
    for (const item of content.items) {
      if (!("str" in item) || item.str.length === 0) continue;
      const [a, b, c, d, e, f] = item.transform as [number, number, number, number, number, number];
      // Rotated or mirrored text (margin stamps, rotated tables) does not belong in the reading order.
      if (Math.abs(b) > Math.abs(a) * 0.1 || Math.abs(c) > Math.abs(d) * 0.1 || a <= 0 || d <= 0) {
        margin?.push(item.str);
        continue;
      }
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
