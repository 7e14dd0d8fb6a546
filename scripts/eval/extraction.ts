/**
 * `npm run eval:extraction`: accuracy of extraction against the ground truth of ../shared/corpus,
 * through the same sandboxed path the worker uses (child process, OCR where the text layer is
 * missing). Prints per kind (papers, japanese, scanned, malformed) and overall:
 *   title exact match (normalised), author precision/recall/F1 (micro, by normalised name),
 *   abstract similarity (1 − normalised edit distance), DOI exact match, reference count error
 *   (mean absolute error of the entry count over files whose gt lists references, and the share of
 *   gt entries matched by an extracted entry with similarity ≥ 0.9), OCR CER (English scans: title/authors/header passages
 *   located in the OCR text; Japanese: one rendered page per document against its text layer),
 *   and failures by reason for malformed files; the structure found (keywords P/R/F1, arXiv id
 *   exact match, venue match, section and caption counts: see structure-metrics.ts).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  extractDocument,
  isJapaneseChar,
  openPdf,
  renderPageForOcr,
  toPng,
  type ExtractedDocument,
  type OcrOptions,
} from "../../core/src/extraction/index.ts";
import {
  cer,
  editDistance,
  groundTruthPassages,
  normalizeForCer,
  passageCer,
} from "../../core/src/extraction/text-metrics.ts";
import { nameKey, normalizeForMatch } from "./match.ts";
import {
  addStructure,
  scoreStructure,
  structureSummary,
  structureTally,
  type StructureTally,
  type StructureTruth,
} from "./structure-metrics.ts";

interface GroundTruth extends StructureTruth {
  title: string;
  authors: string[];
  abstract?: string | null;
  doi?: string | null;
  notes?: string;
  references?: string[];
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const corpus = path.resolve(root, "../shared/corpus");
const ocr: OcrOptions = {
  languages: ["eng"],
  workers: 1,
  pageTimeoutMs: 120_000,
  maxImagePixels: 60_000_000,
};
const limits = { maxPages: 2000, timeoutMs: 600_000, maxMemoryMb: 1024 };
const KINDS = ["papers", "japanese", "scanned", "malformed"] as const;
type Kind = (typeof KINDS)[number];

interface Tally {
  files: number;
  titleOk: number;
  titleN: number;
  tp: number;
  got: number;
  expected: number;
  absSim: number;
  absN: number;
  doiOk: number;
  doiN: number;
  refN: number;
  refCountError: number;
  refMatched: number;
  refExpected: number;
  cerErrors: number;
  cerChars: number;
  failures: Map<string, number>;
  structure: StructureTally;
}
const tally = (): Tally => ({
  files: 0,
  titleOk: 0,
  titleN: 0,
  tp: 0,
  got: 0,
  expected: 0,
  absSim: 0,
  absN: 0,
  doiOk: 0,
  doiN: 0,
  refN: 0,
  refCountError: 0,
  refMatched: 0,
  refExpected: 0,
  cerErrors: 0,
  cerChars: 0,
  failures: new Map(),
  structure: structureTally(),
});

function similarity(a: string, b: string): number {
  const x = normalizeForCer(a).toLowerCase();
  const y = normalizeForCer(b).toLowerCase();
  const n = Math.max(x.length, y.length);
  return n === 0 ? 1 : 1 - editDistance(x, y) / n;
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function score(t: Tally, gt: GroundTruth, doc: ExtractedDocument): void {
  const m = doc.metadata;
  t.titleN++;
  if (normalizeForMatch(gt.title) === normalizeForMatch(m.title ?? "")) t.titleOk++;
  const e = new Set(gt.authors.map(nameKey));
  const g = new Set(m.authors.map(nameKey));
  t.tp += [...g].filter((x) => e.has(x)).length;
  t.got += g.size;
  t.expected += e.size;
  if (gt.abstract) {
    t.absN++;
    t.absSim += similarity(gt.abstract, m.abstract ?? "");
  }
  if (gt.doi) {
    t.doiN++;
    if (m.doi?.toLowerCase() === gt.doi.toLowerCase()) t.doiOk++;
  }
  if (gt.references?.length) {
    const got = m.references ?? [];
    t.refN++;
    t.refCountError += Math.abs(got.length - gt.references.length);
    t.refExpected += gt.references.length;
    t.refMatched += gt.references.filter((r) => got.some((x) => referenceSimilarity(r, x.raw) >= 0.9)).length;
  }
  scoreStructure(t.structure, gt, m);
}

/** Similarity of two reference strings ignoring whitespace (gt spaces out punctuation: "Braunwald ,"). */
function referenceSimilarity(a: string, b: string): number {
  const x = normalizeForCer(a).replace(/\s+/g, "").toLowerCase();
  const y = normalizeForCer(b).replace(/\s+/g, "").toLowerCase();
  const n = Math.max(x.length, y.length);
  return n === 0 ? 1 : 1 - editDistance(x, y) / n;
}

async function japaneseCer(file: string, doc: ExtractedDocument, t: Tally): Promise<void> {
  // A page of running text: the one (after the title page, when there is more than one) with the
  // most kana and Han characters, leaving out tables of contents (dot leaders), which OCR rightly
  // reads without their dots and page numbers in another order.
  const japaneseChars = (text: string) => Array.from(text).filter(isJapaneseChar).length;
  const candidates = doc.pages.filter(
    (p) => (doc.pages.length === 1 || p.number >= 2) && !/(?:\. ?){6}/.test(p.text),
  );
  const page = (candidates.length ? candidates : doc.pages).reduce((best, p) =>
    japaneseChars(p.text) > japaneseChars(best.text) ? p : best,
  );
  const pdf = await openPdf(new Uint8Array(readFileSync(file))).promise;
  const pdfPage = await pdf.getPage(page.number);
  const png = await toPng((await renderPageForOcr(pdfPage, 60_000_000)).bitmap);
  // A font the PDF names but does not embed (Ryumin-Light, GothicBBB-Medium) is drawn as
  // placeholder boxes (we never use system fonts), so the render is not the page: OCR of it would
  // measure the placeholder, not the OCR. Such pages have a text layer and never go to OCR anyway.
  const missing = [...(pdfPage.commonObjs as unknown as Iterable<[string, unknown]>)]
    .map(([, font]) => font as { name?: string; missingFile?: boolean } | null)
    .filter((font) => font?.missingFile)
    .map((font) => font!.name);
  await pdf.destroy();
  if (missing.length > 0) {
    console.log(
      `  ${path.basename(file)} p.${page.number}: OCR CER skipped (fonts not embedded: ${missing.join(", ")})`,
    );
    return;
  }
  const read = await extractDocument(png, {
    ...limits,
    mediaType: "image/png",
    ocr: { ...ocr, languages: ["jpn", "eng"] },
  });
  const ref = normalizeForCer(page.text);
  const rate = cer(page.text, read.pages[0]!.text);
  t.cerErrors += rate * ref.length;
  t.cerChars += ref.length;
  console.log(`  ${path.basename(file)} p.${page.number}: OCR CER ${(rate * 100).toFixed(1)}%`);
}

function pct(n: number, d: number): string {
  return d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)}% (${n}/${d})`;
}

function print(name: string, t: Tally): void {
  const p = t.got ? t.tp / t.got : 0;
  const r = t.expected ? t.tp / t.expected : 0;
  const f1 = p + r ? (2 * p * r) / (p + r) : 0;
  console.log(`\n== ${name} (${t.files} files)`);
  if (t.titleN) {
    console.log(`  title exact match     ${pct(t.titleOk, t.titleN)}`);
    console.log(`  authors P/R/F1        ${p.toFixed(2)} / ${r.toFixed(2)} / ${f1.toFixed(2)}`);
    console.log(
      `  abstract similarity   ${t.absN ? (t.absSim / t.absN).toFixed(3) : "n/a"} (${t.absN} with an abstract)`,
    );
    console.log(`  DOI exact match       ${pct(t.doiOk, t.doiN)}`);
    console.log(
      t.refN
        ? `  reference count error ${(t.refCountError / t.refN).toFixed(2)} entries (mean abs., ${t.refN} files with references in gt); raw match ${pct(t.refMatched, t.refExpected)}`
        : "  reference count error n/a (no file of this kind has references in gt)",
    );
    for (const line of structureSummary(t.structure)) console.log(line);
  }
  if (t.cerChars)
    console.log(
      `  OCR CER               ${((100 * t.cerErrors) / t.cerChars).toFixed(2)}% over ${t.cerChars} chars`,
    );
  if (t.failures.size) {
    console.log("  outcomes by reason:");
    for (const [k, v] of [...t.failures].sort()) console.log(`    ${v} × ${k}`);
  }
}

async function main(): Promise<void> {
  if (!existsSync(corpus)) {
    console.log(`corpus not found at ${corpus}; nothing to evaluate`);
    return;
  }
  const tallies = new Map<Kind, Tally>(KINDS.map((k) => [k, tally()]));
  const cerJa = tally();
  const cerEn = tally();
  const work: { kind: Kind; file: string }[] = [];
  for (const kind of KINDS) {
    for (const f of readdirSync(path.join(corpus, kind))
      .filter((x) => x.endsWith(".pdf"))
      .sort()) {
      work.push({ kind, file: path.join(corpus, kind, f) });
    }
  }
  const started = performance.now();
  await pool(work, 2, async ({ kind, file }) => {
    const t = tallies.get(kind)!;
    t.files++;
    const gtPath = file.replace(/\.pdf$/, ".gt.json");
    const gt = existsSync(gtPath) ? (JSON.parse(readFileSync(gtPath, "utf8")) as GroundTruth) : null;
    let doc: ExtractedDocument;
    try {
      doc = await extractDocument(new Uint8Array(readFileSync(file)), {
        ...limits,
        ...(kind === "malformed" ? { timeoutMs: 60_000 } : {}),
        ocr,
      });
    } catch (e) {
      const code = e instanceof Error && "code" in e ? String(e.code) : "crash";
      t.failures.set(`failed: ${code}`, (t.failures.get(`failed: ${code}`) ?? 0) + 1);
      console.log(
        `  ${kind}/${path.basename(file)}: failed ${code}: ${e instanceof Error ? e.message : String(e)}`,
      );
      return;
    }
    if (kind === "malformed") {
      const how = doc.pages.some((p) => p.source === "ocr") ? "ready (with OCR)" : "ready";
      t.failures.set(how, (t.failures.get(how) ?? 0) + 1);
      console.log(`  malformed/${path.basename(file)}: ${how}, ${doc.pageCount} pages`);
      return;
    }
    if (gt) score(t, gt, doc);
    if (kind === "scanned" && gt) {
      const r = passageCer(groundTruthPassages(gt), doc.pages.map((p) => p.text).join("\n"));
      cerEn.cerErrors += r.errors;
      cerEn.cerChars += r.chars;
      console.log(`  ${path.basename(file)}: OCR CER ${(100 * r.cer).toFixed(1)}% (${r.errors}/${r.chars})`);
    }
    if (kind === "japanese") await japaneseCer(file, doc, cerJa);
  });
  for (const kind of KINDS) print(kind, tallies.get(kind)!);
  const all = tally();
  for (const kind of ["papers", "japanese", "scanned"] as const) {
    const t = tallies.get(kind)!;
    for (const k of [
      "files",
      "titleOk",
      "titleN",
      "tp",
      "got",
      "expected",
      "absSim",
      "absN",
      "doiOk",
      "doiN",
      "refN",
      "refCountError",
      "refMatched",
      "refExpected",
    ] as const)
      all[k] += t[k];
    addStructure(all.structure, t.structure);
  }
  print("overall (papers + japanese + scanned)", all);
  console.log(`\n== OCR character error rate`);
  console.log(
    `  English scans (located gt passages): ${((100 * cerEn.cerErrors) / Math.max(1, cerEn.cerChars)).toFixed(2)}% over ${cerEn.cerChars} chars`,
  );
  console.log(
    `  Japanese rendered pages vs text layer: ${((100 * cerJa.cerErrors) / Math.max(1, cerJa.cerChars)).toFixed(2)}% over ${Math.round(cerJa.cerChars)} chars`,
  );
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
