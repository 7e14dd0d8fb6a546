/**
 * `npm run bench:extraction`: in one run, on the same files and machine state,
 *   1. extraction pages/s of our pipeline (sandboxed child processes, OCR enabled but not needed
 *      on born-digital papers, 2 documents at a time to use both cores) against `pdftotext`
 *      (poppler-utils, also 2 at a time) on the corpus papers;
 *   2. OCR seconds/page of tesseract.js (our OCR pool, one worker, sequential) against the
 *      `tesseract` CLI with OMP_THREAD_LIMIT=1 on the same rendered 300 dpi page images
 *      (the scanned corpus pages, eng; and two Japanese pages, jpn+eng).
 * A comparison whose native tool is missing is skipped with the reason printed;
 * scripts/bench/install-native-tools.sh installs them. Never a test assertion.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  extractDocument,
  openPdf,
  renderPageForOcr,
  toPgm,
  type GrayBitmap,
  type OcrLanguage,
} from "../../core/src/extraction/index.ts";
import { OcrPool } from "../../core/src/extraction/ocr.ts";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const corpus = path.resolve(root, "../shared/corpus");
const PARALLEL = 2;

async function has(cmd: string): Promise<boolean> {
  try {
    await run(cmd, ["-v"]);
    return true;
  } catch (e) {
    // pdftotext -v exits 0 on new poppler, 99 on old ones; only "not found" means absent.
    return (e as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function benchExtraction(): Promise<void> {
  const dir = path.join(corpus, "papers");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".pdf"))
    .sort()
    .map((f) => path.join(dir, f));
  const inputs = files.map((f) => ({ file: f, bytes: new Uint8Array(readFileSync(f)) }));
  let pages = 0;
  const t0 = performance.now();
  await pool(inputs, PARALLEL, async (input) => {
    const doc = await extractDocument(input.bytes, {
      maxPages: 10_000,
      timeoutMs: 300_000,
      maxMemoryMb: 1024,
      ocr: { languages: ["eng"], workers: 1, pageTimeoutMs: 120_000, maxImagePixels: 60_000_000 },
    });
    pages += doc.pageCount;
  });
  const ours = pages / ((performance.now() - t0) / 1000);
  console.log(`\n== extraction on ${files.length} corpus papers (${pages} pages), ${PARALLEL} at a time`);
  console.log(`  ours (sandboxed pdf.js + layout + metadata): ${ours.toFixed(1)} pages/s`);
  if (!(await has("pdftotext"))) {
    console.log("  pdftotext: skipped (not installed; run scripts/bench/install-native-tools.sh)");
    return;
  }
  const t1 = performance.now();
  await pool(files, PARALLEL, async (f) => {
    await run("pdftotext", ["-layout", f, "-"], { maxBuffer: 64 * 1024 * 1024 });
  });
  const native = pages / ((performance.now() - t1) / 1000);
  console.log(`  pdftotext -layout:                           ${native.toFixed(1)} pages/s`);
  console.log(`  ratio ours / pdftotext: ${(ours / native).toFixed(2)}× (target ≥ 0.5×)`);
}

async function benchOcr(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "aa-bench-ocr-"));
  try {
    const pages: { bitmap: GrayBitmap; file: string; langs: OcrLanguage[]; label: string }[] = [];
    const add = async (rel: string, numbers: number[], langs: OcrLanguage[]) => {
      const pdf = await openPdf(new Uint8Array(readFileSync(path.join(corpus, rel)))).promise;
      for (const n of numbers) {
        const { bitmap } = await renderPageForOcr(await pdf.getPage(n), 60_000_000);
        // The CLI reads the very pixels we read, in the format we hand tesseract (PGM).
        const file = path.join(tmp, `${pages.length}.pgm`);
        writeFileSync(file, toPgm(bitmap));
        pages.push({ bitmap, file, langs, label: `${rel} p.${n}` });
      }
      await pdf.destroy();
    };
    await add("scanned/pwl_the_lisp_ii_garbage_collector.pdf", [1, 2], ["eng"]);
    await add("scanned/tools_timeout_simple.pdf", [1], ["eng"]);
    await add("japanese/ssh0_sotsuron_fujimoto2014.pdf", [8, 9], ["jpn", "eng"]);

    console.log(`\n== OCR on ${pages.length} pages rendered at 300 dpi (one worker / one thread each side)`);
    for (const group of [["eng"], ["jpn", "eng"]] as OcrLanguage[][]) {
      const set = pages.filter((p) => p.langs.join("+") === group.join("+"));
      const ocr = new OcrPool({ languages: group, size: 1, pageTimeoutMs: 300_000 });
      // Warm-up (worker start, language data) is not per-page work on either side.
      await ocr.recognize(set[0]!.bitmap, "warm-up");
      const t0 = performance.now();
      for (const p of set) await ocr.recognize(p.bitmap, p.label);
      const ours = (performance.now() - t0) / 1000 / set.length;
      await ocr.close();
      console.log(`  ${group.join("+")}: tesseract.js ${ours.toFixed(2)} s/page`);
      if (!(await has("tesseract"))) {
        console.log("    tesseract CLI: skipped (not installed; run scripts/bench/install-native-tools.sh)");
        continue;
      }
      const env = { ...process.env, OMP_THREAD_LIMIT: "1" };
      const args = (file: string) => [file, "-", "--dpi", "300", "-l", group.join("+")];
      await run("tesseract", args(set[0]!.file), { env });
      const t1 = performance.now();
      for (const p of set) await run("tesseract", args(p.file), { env, maxBuffer: 1 << 26 });
      const cli = (performance.now() - t1) / 1000 / set.length;
      console.log(`    tesseract CLI (OMP_THREAD_LIMIT=1): ${cli.toFixed(2)} s/page`);
      console.log(`    ratio ours / CLI: ${(ours / cli).toFixed(2)}× (target ≤ 1.5×)`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}`,
);
await benchExtraction();
await benchOcr();
