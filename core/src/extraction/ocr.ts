import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import type { TextSpan } from "@academic-assist/sdk/contract";
import { createWorker, type Worker } from "tesseract.js";
import { mkdirPrivateSync, PRIVATE_FILE_MODE } from "../adapters/private-files.ts";
import { unrecoverable } from "../errors/app-error.ts";
import { estimateSkew, fromStraightened } from "./deskew.ts";
import { missingLanguageData } from "./language-data.ts";
import { decodeImage, toPgm, type GrayBitmap } from "./raster.ts";
import { isCjk, normalizeText } from "./text-normalize.ts";
import type { LayoutLine, PageLayout } from "./types.ts";

/** Tesseract language codes we ship data for (`@tesseract.js-data/<code>`). */
export type OcrLanguage = "eng" | "jpn";

/** Options of {@link OcrPool}. */
export interface OcrPoolOptions {
  /** Languages every worker loads, most likely first (e.g. `["jpn", "eng"]`). */
  languages: OcrLanguage[];
  /** Number of tesseract workers (threads); pages are recognised this many at a time. */
  size: number;
  /** A page not recognised in this long fails with `extraction_timeout`; its worker is replaced. */
  pageTimeoutMs: number;
  /** Where the unpacked language data is kept between runs; defaults to the OS temp folder. */
  dataDir?: string;
  /**
   * A folder whose `<lang>.traineddata` (plain or `.gz`) replaces the shipped data
   * (`OCR_LANGUAGE_DATA`); read in place, never written to.
   */
  languageData?: string;
}

/** One recognised line, in image pixels. */
export interface OcrLine {
  text: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  baseline: number;
  paragraphStart: boolean;
}

const require = createRequire(import.meta.url);

/*
 * tesseract.js ships a build of tesseract whose LSTM dot products use WebAssembly relaxed SIMD
 * (i8x16 dot products), and picks it when the engine supports the feature. Node 22+ (V8 11.4+)
 * has it on by default; Node 20's V8 has it behind a flag, which can be set at run time as long as
 * it happens before any worker compiles the module (V8 flags are per process, shared by threads).
 */
if (Number(process.versions.node.split(".")[0]) < 22) {
  v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
}

const DATA_VARIANT = "4.0.0_best_int";

/** The gzipped traineddata file of `lang` shipped in `@tesseract.js-data/<lang>`. */
export function languageDataFile(lang: OcrLanguage): string {
  return path.join(
    path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`)),
    DATA_VARIANT,
    `${lang}.traineddata.gz`,
  );
}

/**
 * tesseract.js takes one `langPath` per worker, but each language ships in its own package, so the
 * (still gzipped) files are put side by side in one folder that the workers read as their cache.
 * Written via rename so that concurrent extraction processes never see half a file.
 */
function ensureLanguageData(dir: string, languages: OcrLanguage[]): void {
  // Under DATA_DIR, owner-only like everything else there.
  mkdirPrivateSync(dir);
  for (const lang of languages) {
    const target = path.join(dir, `${lang}.traineddata`);
    if (existsSync(target)) continue;
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, readFileSync(languageDataFile(lang)), { mode: PRIVATE_FILE_MODE });
    renameSync(tmp, target);
  }
}

interface Slot {
  worker: Promise<Worker>;
}

/**
 * A small pool of tesseract.js workers (threads of this process), offline: language data comes
 * from the installed `@tesseract.js-data/*` packages, never from the network. Lives inside the
 * extraction child process, so the document timeout and memory cap cover OCR too.
 */
export class OcrPool {
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private readonly waiting: ((slot: Slot) => void)[] = [];
  private readonly dataDir: string;
  private closed = false;

  constructor(private readonly opts: OcrPoolOptions) {
    if (opts.languageData) {
      const missing = missingLanguageData(opts.languageData, opts.languages);
      if (missing.length > 0) {
        throw unrecoverable(
          "internal",
          `OCR language data for ${missing.join(", ")} is missing from ${opts.languageData} (OCR_LANGUAGE_DATA).`,
        );
      }
      this.dataDir = opts.languageData;
    } else {
      this.dataDir = opts.dataDir ?? path.join(os.tmpdir(), "academic-assist-tessdata", DATA_VARIANT);
      ensureLanguageData(this.dataDir, opts.languages);
    }
  }

  private spawn(): Promise<Worker> {
    const worker = createWorker(this.opts.languages.join("+"), 1, {
      // Shipped data: never used (it is in the cache folder), but without it tesseract.js goes to
      // a CDN. Operator data: `<lang>.traineddata` is found as the cache, `.gz` through langPath.
      langPath: this.opts.languageData ?? path.dirname(languageDataFile(this.opts.languages[0] ?? "eng")),
      cachePath: this.dataDir,
      cacheMethod: "readOnly",
      gzip: true,
    });
    // tesseract's API defaults to one uniform block of text (PSM 6), which reads a two-column scan
    // straight across and turns a scan's margins into words; the CLI's automatic page segmentation
    // (PSM 3) finds columns and blocks, and is faster. Never let a failed start surface as an
    // unhandled rejection.
    const ready = worker.then(async (w) => {
      await w.setParameters({ tessedit_pageseg_mode: "3" as never });
      return w;
    });
    ready.catch(() => undefined);
    return ready;
  }

  private async acquire(): Promise<Slot> {
    const free = this.idle.pop();
    if (free) return free;
    if (this.slots.length < Math.max(1, this.opts.size)) {
      const slot: Slot = { worker: this.spawn() };
      this.slots.push(slot);
      return slot;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.idle.push(slot);
  }

  /**
   * Recognises one image — a rendered page, or the bytes of an uploaded PNG, JPEG or TIFF — and
   * returns its lines in reading order, in the image's pixels. A skewed page (up to 5°) is
   * straightened first and its boxes are mapped back onto the image as given.
   *
   * @throws AppError `extraction_timeout` when the page takes longer than `pageTimeoutMs`; the
   *   decoder's error when uploaded bytes are not a readable image.
   */
  async recognize(image: GrayBitmap | Uint8Array, label: string): Promise<OcrLine[]> {
    if (this.closed) throw new Error("OCR pool is closed");
    const input = await prepare(image);
    const slot = await this.acquire();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          unrecoverable(
            "extraction_timeout",
            `OCR of ${label} did not finish within ${formatMs(this.opts.pageTimeoutMs)} and was stopped.`,
          ),
        );
      }, this.opts.pageTimeoutMs);
    });
    try {
      const worker = await Promise.race([slot.worker, timeout]);
      // Without a resolution tesseract guesses one from the text size, and guesses high for large
      // type; 0 lets it read the file's own (TIFF).
      await worker.setParameters({ user_defined_dpi: String(Math.round(input.dpi ?? 0)) });
      const result = await Promise.race([
        worker.recognize(
          Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength),
          { rotateRadians: input.rotate },
          { text: true, blocks: true },
        ),
        timeout,
      ]);
      clearTimeout(timer);
      this.release(slot);
      return linesOf(result.data.blocks ?? [], input.map);
    } catch (e) {
      clearTimeout(timer);
      // A stuck or failed worker is not reused: stop its thread and start a fresh one in its place.
      void slot.worker.then((w) => w.terminate()).catch(() => undefined);
      slot.worker = this.spawn();
      this.release(slot);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.then((w) => w.terminate()).catch(() => undefined)));
  }
}

/** Below this (about 0.1°) a page is taken as straight: turning it would only blur it. */
const MIN_ROTATION = 0.0017;

/** The skew (radians) OCR undoes before reading a bitmap: 0 for a page within 0.1° of level. */
export function skewToUndo(bitmap: GrayBitmap): number {
  const skew = estimateSkew(bitmap.gray, bitmap.width, bitmap.height, bitmap.dpi ?? 300);
  return Math.abs(skew) >= MIN_ROTATION ? skew : 0;
}

type PointMap = (x: number, y: number) => [number, number];

interface Prepared {
  bytes: Uint8Array;
  dpi: number | null;
  /** Clockwise turn (radians) tesseract gives the image before reading it: the skew undone. */
  rotate: number;
  /** Maps a point of what tesseract read back onto the image as given. */
  map: PointMap;
}

/**
 * A bitmap becomes a PGM (the cheapest format for tesseract to decode) with its skew measured; an
 * uploaded PNG or JPEG is decoded into a bitmap first. TIFF goes to tesseract as it is.
 * Tesseract (Leptonica's area-mapping rotation) turns the page: on the corpus scans that reads
 * better than turning it here with bilinear interpolation (CER 1.45% against 2.9%).
 */
async function prepare(image: GrayBitmap | Uint8Array): Promise<Prepared> {
  const bitmap = image instanceof Uint8Array ? await decodeImage(image) : image;
  const straight: PointMap = (x, y) => [x, y];
  if (!bitmap) return { bytes: image as Uint8Array, dpi: null, rotate: 0, map: straight };
  const { width, height } = bitmap;
  const skew = skewToUndo(bitmap);
  const turn = skew !== 0;
  return {
    bytes: toPgm(bitmap),
    dpi: bitmap.dpi,
    rotate: turn ? -skew : 0,
    map: turn ? fromStraightened(skew, width, height) : straight,
  };
}

interface Bbox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
interface TessWord {
  text: string;
  confidence: number;
  bbox: Bbox;
}
interface TessBlock {
  paragraphs: {
    lines: { text: string; bbox: Bbox; baseline: { y0: number; y1: number }; words: TessWord[] }[];
  }[];
}

/**
 * Specks, page edges and shadows of a scan come out as short, low-confidence "words" at the ends
 * of lines (`: Hydrogen … =`, `tT Memo`). They are dropped; words inside a line are kept whatever
 * their confidence, since removing them would change the text rather than clean its margin.
 */
function isEdgeNoise(w: TessWord): boolean {
  const t = w.text.trim();
  if (!t) return true;
  const alnum = (t.match(/[\p{L}\p{N}]/gu) ?? []).length;
  if (alnum === 0) return w.confidence < 80 && t.length <= 2;
  return w.confidence < 50 && alnum <= 2 && !/^\p{Lu}\.?$|^\p{N}+\.?$/u.test(t);
}

function trimEdgeNoise(words: TessWord[]): TessWord[] {
  let a = 0;
  let b = words.length;
  while (a < b && isEdgeNoise(words[a]!)) a++;
  while (b > a && isEdgeNoise(words[b - 1]!)) b--;
  return words.slice(a, b);
}

function linesOf(blocks: TessBlock[], map: PointMap): OcrLine[] {
  const out: OcrLine[] = [];
  for (const block of blocks) {
    for (const paragraph of block.paragraphs) {
      let first = true;
      for (const line of paragraph.lines) {
        const words = trimEdgeNoise(line.words);
        const text = cleanLine(words.map((w) => w.text).join(" "));
        if (!text || words.length === 0) continue;
        const left = words[0]!.bbox.x0;
        const right = words[words.length - 1]!.bbox.x1;
        // The line's centre goes back to where it was printed; its size stays that of the upright line.
        const [cx, cy] = map((left + right) / 2, (line.bbox.y0 + line.bbox.y1) / 2);
        const halfW = (right - left) / 2;
        const halfH = (line.bbox.y1 - line.bbox.y0) / 2;
        const baselineOffset =
          Math.max(line.baseline.y0, line.baseline.y1) - (line.bbox.y0 + line.bbox.y1) / 2;
        out.push({
          text,
          x0: cx - halfW,
          y0: cy - halfH,
          x1: cx + halfW,
          y1: cy + halfH,
          baseline: cy + baselineOffset,
          paragraphStart: first,
        });
        first = false;
      }
    }
  }
  return out;
}

/** Tesseract separates every Japanese character by a space; CJK text is written without them. */
function cleanLine(raw: string): string {
  const s = normalizeText(raw).replace(/\s+/g, " ").trim();
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === " " && (isCjk(s[i - 1]) || isCjk(s[i + 1]))) continue;
    out += ch;
  }
  return out;
}

/**
 * Turns recognised lines into a page layout in the page's own units: `scale` is image pixels per
 * unit (e.g. 300/72 for a PDF page rendered at 300 dpi). Paragraphs are separated by a blank line,
 * and a word hyphenated at a line end is rejoined, as for text layers.
 */
export function ocrLayout(lines: OcrLine[], scale: number, width: number, height: number): PageLayout {
  let text = "";
  const spans: TextSpan[] = [];
  const layoutLines: LayoutLine[] = [];
  for (const line of lines) {
    const lineText = line.text;
    if (text.length > 0) {
      const prev = layoutLines[layoutLines.length - 1];
      const hyphenated = !line.paragraphStart && /\p{Ll}-$/u.test(text) && /^\p{Ll}/u.test(lineText);
      if (hyphenated && prev) {
        text = text.slice(0, -1);
        prev.end = text.length;
        const lastSpan = spans[spans.length - 1];
        if (lastSpan) lastSpan.end = text.length;
      } else {
        text += line.paragraphStart ? "\n\n" : "\n";
      }
    }
    const start = text.length;
    text += lineText;
    const end = text.length;
    const x = line.x0 / scale;
    const y = line.y0 / scale;
    const w = (line.x1 - line.x0) / scale;
    const h = (line.y1 - line.y0) / scale;
    spans.push({ start, end, x, y, width: w, height: h });
    // A line box spans ascenders to descenders: about 1.2 × the font size.
    const size = h / 1.2;
    layoutLines.push({
      text: lineText,
      start,
      end,
      size,
      maxSize: size,
      top: y,
      baseline: line.baseline / scale,
      x0: x,
      x1: x + w,
      paragraphStart: line.paragraphStart,
    });
  }
  return { width, height, text, spans, lines: layoutLines };
}

/**
 * Letters (any script) on a text-layer page, the characters that are readable (letters and
 * digits), all visible characters, and the broken ones (replacement and private-use characters).
 */
function letterStats(text: string): { letters: number; readable: number; visible: number; bad: number } {
  let letters = 0;
  let readable = 0;
  let visible = 0;
  let bad = 0;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    // ASCII without regular expressions: nearly all of an English page.
    if (code < 0x80) {
      if (code <= 0x20) continue;
      visible++;
      if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) {
        letters++;
        readable++;
      } else if (code >= 0x30 && code <= 0x39) readable++;
      continue;
    }
    if (/\s/u.test(ch)) continue;
    visible++;
    if (/\p{L}/u.test(ch)) {
      letters++;
      readable++;
    } else if (/\p{N}/u.test(ch)) readable++;
    else if (ch === "\uFFFD" || /\p{Co}/u.test(ch)) bad++;
  }
  return { letters, readable, visible, bad };
}

/**
 * Whether a page's text layer is unusable, so the page should be read with OCR: (almost) no
 * letters, or mostly symbols and replacement characters (a broken font encoding). A page with a
 * little real text (a slide title, a figure page) keeps its text layer, and so does a table of
 * figures (digits are readable text, not garbage).
 */
export function needsOcr(text: string): boolean {
  const { letters, readable, visible, bad } = letterStats(text);
  if (letters < 8) return true;
  if (visible >= 40 && readable / visible < 0.4) return true;
  return bad / Math.max(1, visible) > 0.2;
}

/** The number of letters in a text, to choose between a weak text layer and its OCR. */
export function letterCount(text: string): number {
  return letterStats(text).letters;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
