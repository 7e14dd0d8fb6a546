/**
 * Search latency p50/p95 on Elasticsearch 8 against the embedded FTS5 index, over the same ≥10,000
 * chunks (the corpus papers' real chunks, copied as `scripts/bench/run.ts` does) and the same queries
 * (1 in 5 Japanese), through the SearchIndex port, snippets included. Printed, never asserted.
 *
 *   node --import tsx scripts/bench/search-engines.ts [--quick]
 *
 * Uses the Elasticsearch at `AA_TEST_ELASTICSEARCH_URL` when set; otherwise starts the test server
 * (scripts/services/elasticsearch.ts) and stops it afterwards. `benchSearchEngines()` can be called
 * from scripts/bench/run.ts instead.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Fts5SearchIndex } from "../../core/src/adapters/fts5/fts5-search-index.ts";
import { ElasticsearchSearchIndex } from "../../core/src/adapters/elasticsearch/elasticsearch-search-index.ts";
import { chunkPages, extractPdfInProcess } from "../../core/src/extraction/index.ts";
import type { IndexedChunk, SearchIndex } from "../../core/src/ports/search-index.ts";
import { defaultCacheDir } from "../services/common.ts";
import { startElasticsearch } from "../services/elasticsearch.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const corpus = path.resolve(root, "../shared/corpus");

function pdfs(folder: string): string[] {
  const dir = path.join(corpus, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".pdf"))
    .sort()
    .map((f) => path.join(dir, f));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The corpus chunks copied up to `target`, in four projects, and the seeded queries. */
async function workload(
  target: number,
  queryCount: number,
): Promise<{ chunks: IndexedChunk[]; queries: string[] }> {
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
  return { chunks, queries };
}

interface Measured {
  indexPerSecond: number;
  times: number[];
  hits: number;
}

async function measure(index: SearchIndex, chunks: IndexedChunk[], queries: string[]): Promise<Measured> {
  const t0 = performance.now();
  for (let i = 0; i < chunks.length; i += 1000) await index.indexChunks(chunks.slice(i, i + 1000));
  await index.refresh();
  const indexPerSecond = chunks.length / ((performance.now() - t0) / 1000);
  const projectIds = ["prj_0", "prj_1", "prj_2", "prj_3"];
  // Warm-up (JIT, caches), then the measured pass.
  for (const text of queries.slice(0, 20)) await index.search({ text, projectIds, limit: 10, offset: 0 });
  const times: number[] = [];
  let hits = 0;
  for (const text of queries) {
    const t = performance.now();
    hits += (await index.search({ text, projectIds, limit: 10, offset: 0 })).hits.length;
    times.push(performance.now() - t);
  }
  return { indexPerSecond, times: times.sort((a, b) => a - b), hits };
}

/** Runs the comparison against the Elasticsearch at `url` and prints the figures and the ratio. */
export async function benchSearchEngines(url: string, options: { quick?: boolean } = {}): Promise<void> {
  const { chunks, queries } = await workload(10_000, options.quick ? 50 : 300);
  const dir = mkdtempSync(path.join(os.tmpdir(), "aa-bench-engines-"));
  const fts5 = new Fts5SearchIndex(path.join(dir, "search.db"));
  const es = new ElasticsearchSearchIndex({ url, indexPrefix: `aa-bench-${Date.now()}-` });
  try {
    const local = await measure(fts5, chunks, queries);
    const remote = await measure(es, chunks, queries);
    const line = (name: string, m: Measured) =>
      `${name.padEnd(28)}p50 ${percentile(m.times, 50).toFixed(2)} ms  p95 ${percentile(m.times, 95).toFixed(2)} ms  ` +
      `(indexing ${m.indexPerSecond.toFixed(0)} chunks/s, ${m.hits} hits)`;
    console.log(
      `\n## Search latency, Elasticsearch vs FTS5 — ${chunks.length} chunks, ${queries.length} queries (1 in 5 Japanese)`,
    );
    console.log(line("FTS5 (embedded)", local));
    console.log(line("Elasticsearch 8 (loopback)", remote));
    console.log(
      `ratio Elasticsearch/FTS5     p50 ${(percentile(remote.times, 50) / percentile(local.times, 50)).toFixed(2)}×  ` +
        `p95 ${(percentile(remote.times, 95) / percentile(local.times, 95)).toFixed(2)}×`,
    );
  } finally {
    await es.deleteIndex().catch(() => undefined);
    await es.close();
    await fts5.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes("--quick");
  const given = process.env.AA_TEST_ELASTICSEARCH_URL;
  if (given) {
    await benchSearchEngines(given, { quick });
  } else {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "aa-bench-es-"));
    const server = await startElasticsearch({
      dataDir,
      cacheDir: defaultCacheDir(),
      log: (l) => console.error(l),
    });
    try {
      await benchSearchEngines(server.env.AA_TEST_ELASTICSEARCH_URL!, { quick });
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}
