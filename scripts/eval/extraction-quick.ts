/**
 * Quick evaluation of text extraction and metadata detection on the shared corpus.
 *
 *   npx tsx scripts/eval/extraction-quick.ts
 *
 * Prints, per file, the expected title and ours, whether they match after normalisation (NFKC,
 * lowercase, whitespace collapsed and dropped next to CJK, punctuation stripped), the author F1,
 * DOI/year agreement, the structure found (keywords, arXiv id, venue match, section and caption
 * counts: see structure-metrics.ts), and totals per folder plus extraction speed.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { extractPdfInProcess } from "../../core/src/extraction/index.ts";
import { nameKey, normalizeForMatch } from "./match.ts";
import {
  scoreStructure,
  structureLine,
  structureSummary,
  structureTally,
  type StructureTruth,
} from "./structure-metrics.ts";

interface GroundTruth extends StructureTruth {
  title: string;
  authors: string[];
  doi?: string | null;
  year?: number | null;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const corpus = path.resolve(repoRoot, "../shared/corpus");

function authorF1(expected: string[], got: string[]): number {
  const e = new Set(expected.map(nameKey));
  const g = new Set(got.map(nameKey));
  if (e.size === 0 && g.size === 0) return 1;
  const tp = [...g].filter((x) => e.has(x)).length;
  if (tp === 0) return 0;
  const p = tp / g.size;
  const r = tp / e.size;
  return (2 * p * r) / (p + r);
}

async function main(): Promise<void> {
  if (!existsSync(corpus)) {
    console.log(`corpus not found at ${corpus}; nothing to evaluate`);
    return;
  }
  let totalPages = 0;
  let totalMs = 0;
  for (const folder of ["papers", "japanese"]) {
    const dir = path.join(corpus, folder);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".pdf"))
      .sort();
    let titles = 0;
    let f1Sum = 0;
    let doiOk = 0;
    let doiN = 0;
    let yearOk = 0;
    const structure = structureTally();
    console.log(`\n== ${folder}/ (${files.length} files)`);
    for (const file of files) {
      const gtPath = path.join(dir, file.replace(/\.pdf$/, ".gt.json"));
      if (!existsSync(gtPath)) continue;
      const gt = JSON.parse(readFileSync(gtPath, "utf8")) as GroundTruth;
      const bytes = new Uint8Array(readFileSync(path.join(dir, file)));
      const t0 = performance.now();
      const doc = await extractPdfInProcess(bytes, { maxPages: 1000 });
      const ms = performance.now() - t0;
      if (folder === "papers") {
        totalPages += doc.pageCount;
        totalMs += ms;
      }
      const m = doc.metadata;
      const ok = normalizeForMatch(gt.title) === normalizeForMatch(m.title ?? "");
      const f1 = authorF1(gt.authors, m.authors);
      titles += ok ? 1 : 0;
      f1Sum += f1;
      if (gt.doi) {
        doiN++;
        if (m.doi?.toLowerCase() === gt.doi.toLowerCase()) doiOk++;
      }
      if (gt.year && m.year === gt.year) yearOk++;
      console.log(
        `${ok ? "OK  " : "MISS"} ${file}  (${doc.pageCount} pages, ${Math.round(ms)} ms, lang ${m.language})`,
      );
      console.log(`     expected: ${gt.title}`);
      console.log(`     ours:     ${m.title ?? "(none)"}`);
      console.log(`     authors F1 ${f1.toFixed(2)}: ${JSON.stringify(m.authors)}`);
      if (f1 < 1) console.log(`     expected authors: ${JSON.stringify(gt.authors)}`);
      console.log(
        `     doi ${m.doi ?? "-"} (gt ${gt.doi ?? "-"}), year ${m.year ?? "-"} (gt ${gt.year ?? "-"}), abstract ${m.abstract ? `${m.abstract.length} chars` : "none"}`,
      );
      scoreStructure(structure, gt, m);
      console.log(`     ${structureLine(gt, m)}`);
    }
    const n = files.length;
    console.log(
      `-- ${folder}: titles ${titles}/${n}, mean author F1 ${(f1Sum / n).toFixed(2)}, DOI ${doiOk}/${doiN}, year ${yearOk}/${n}`,
    );
    for (const line of structureSummary(structure)) console.log(line);
  }
  console.log(
    `\nspeed on papers/: ${totalPages} pages in ${(totalMs / 1000).toFixed(1)} s = ${(totalPages / (totalMs / 1000)).toFixed(1)} pages/s`,
  );
}

await main();
