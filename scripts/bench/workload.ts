import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chunkPages, extractPdfInProcess } from "../../core/src/extraction/index.ts";
import type { IndexedChunk } from "../../core/src/ports/search-index.ts";

/** Shared by the benchmarks: the corpus, percentiles, and the search workload every engine runs. */
export const corpus = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../shared/corpus");

/** The PDFs of one corpus folder, sorted. */
export function pdfs(folder: string): string[] {
  const dir = path.join(corpus, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".pdf"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The p-th percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A seeded PRNG, so every run asks the same queries. */
export function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SearchWorkload {
  chunks: IndexedChunk[];
  queries: string[];
  /** Real chunks of the corpus before copying. */
  baseCount: number;
  copies: number;
}

/**
 * The real chunks of the corpus papers and Japanese files, copied with new ids up to `target`, over
 * four projects, and `queryCount` seeded queries: one or two corpus words, 1 in 5 a 2–4 character
 * Japanese substring.
 */
export async function searchWorkload(target: number, queryCount: number): Promise<SearchWorkload> {
  const base: { text: string; pageStart: number; pageEnd: number; section: string | null }[] = [];
  for (const file of [...pdfs("papers"), ...pdfs("japanese")]) {
    const doc = await extractPdfInProcess(new Uint8Array(readFileSync(file)), { maxPages: 10_000 });
    base.push(...chunkPages(doc.pages));
  }
  const copies = Math.ceil(target / base.length);
  const chunks: IndexedChunk[] = [];
  for (let c = 0; c < copies; c++) {
    base.forEach((b, i) => {
      chunks.push({
        chunkId: `chk_${c}_${i}`,
        documentId: `doc_${c}_${Math.floor(i / 40)}`,
        projectId: `prj_${c % 4}`,
        text: b.text,
        pageStart: b.pageStart,
        pageEnd: b.pageEnd,
        section: b.section,
      });
    });
  }
  const rand = mulberry32(42);
  const words = [...new Set(base.flatMap((b) => b.text.toLowerCase().match(/[a-z]{5,}/g) ?? []))];
  const cjk = base.flatMap((b) => b.text.match(/[\u3040-\u30ff\u4e00-\u9fff]{2,}/g) ?? []);
  const queries: string[] = [];
  for (let i = 0; i < queryCount; i++) {
    if (i % 5 === 4 && cjk.length) {
      const run = cjk[Math.floor(rand() * cjk.length)]!;
      queries.push(run.slice(0, 2 + Math.floor(rand() * 3)));
    } else {
      const n = 1 + Math.floor(rand() * 2);
      queries.push(Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(" "));
    }
  }
  return { chunks, queries, baseCount: base.length, copies };
}
