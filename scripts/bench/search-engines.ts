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
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Fts5SearchIndex } from "../../core/src/adapters/fts5/fts5-search-index.ts";
import { ElasticsearchSearchIndex } from "../../core/src/adapters/elasticsearch/elasticsearch-search-index.ts";
import type { IndexedChunk, SearchIndex } from "../../core/src/ports/search-index.ts";
import { percentile, searchWorkload, type SearchWorkload } from "./workload.ts";
import { defaultCacheDir } from "../services/common.ts";
import { startElasticsearch } from "../services/elasticsearch.ts";

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
export async function benchSearchEngines(
  url: string,
  options: { quick?: boolean; workload?: SearchWorkload } = {},
): Promise<void> {
  const { chunks, queries } = options.workload ?? (await searchWorkload(10_000, options.quick ? 50 : 300));
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
