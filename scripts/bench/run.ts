/**
 * `npm run bench`: measures, in one run and on the same machine state,
 *   1. pipeline pages/s (our extraction + chunking) against raw pdf.js `getTextContent` pages/s on
 *      the corpus papers — the ratio says what reading order, normalisation and metadata cost;
 *   2. search latency p50/p95 on ≥10,000 indexed chunks (FTS5) against a naive LIKE scan of the
 *      same chunks.
 *   3. LLM notes: prompt tokens per note with the map over section-aware chunks against one naive
 *      whole-paper prompt (ratio), and wall time per note with a fake provider of fixed latency,
 *      map parallelism 4 against sequential.
 *   4. Production adapters (skipped with `--no-services`): search p50/p95 on Elasticsearch 8 against
 *      FTS5 over the same ≥10,000 chunks and queries, and jobs/s through BullMQ on Redis against the
 *      SQLite queue. Uses AA_TEST_ELASTICSEARCH_URL / AA_TEST_REDIS_URL when set, else starts the
 *      test servers of scripts/services/ for the run.
 * Figures are printed; docs/benchmarks.md records them with this command. Never a test assertion.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Fts5SearchIndex } from "../../core/src/adapters/index.ts";
import { chunkPages, extractDocument, extractPdfInProcess } from "../../core/src/extraction/index.ts";
import { LlmNoteGenerator } from "../../core/src/llm/llm-note-generator.ts";
import { estimateTokens } from "../../core/src/llm/pricing.ts";
import { getTemplate } from "../../core/src/notes/templates.ts";
import type { LlmProvider, LlmRequest, LlmStreamEvent } from "../../core/src/ports/llm-provider.ts";
import { scriptedNoteReply } from "../../core/src/testing/scripted-note-reply.ts";
import { pdfs, percentile, searchWorkload, type SearchWorkload } from "./workload.ts";

const quick = process.argv.includes("--quick");

async function rawTextContent(bytes: Uint8Array): Promise<number> {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const doc = await pdfjs.getDocument({ data: bytes.slice(), isEvalSupported: false, verbosity: 0 }).promise;
  let chars = 0;
  for (let i = 1; i <= doc.numPages; i++) {
    const page = await doc.getPage(i);
    const content = await page.getTextContent();
    for (const item of content.items) if ("str" in item) chars += item.str.length;
    page.cleanup();
  }
  const pages = doc.numPages;
  await doc.destroy();
  return chars > 0 ? pages : pages;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function benchPipeline() {
  const files = pdfs("papers");
  const inputs = files.map((f) => ({ name: path.basename(f), bytes: new Uint8Array(readFileSync(f)) }));
  const rounds = quick ? 1 : 3;
  // Warm up pdf.js (module load, font data) once for both sides.
  await rawTextContent(inputs[0]!.bytes);
  await extractPdfInProcess(inputs[0]!.bytes, { maxPages: 10_000 });

  let pages = 0;
  const best = { raw: Infinity, ours: Infinity, sandboxed: Infinity };
  for (let r = 0; r < rounds; r++) {
    let raw = 0;
    let ours = 0;
    let sandboxed = 0;
    pages = 0;
    for (const input of inputs) {
      raw += await timeIt(async () => {
        pages += await rawTextContent(input.bytes);
      });
      ours += await timeIt(async () => {
        const doc = await extractPdfInProcess(input.bytes, { maxPages: 10_000 });
        chunkPages(doc.pages);
      });
      sandboxed += await timeIt(async () => {
        const doc = await extractDocument(input.bytes, {
          maxPages: 10_000,
          timeoutMs: 120_000,
          maxMemoryMb: 1024,
        });
        chunkPages(doc.pages);
      });
    }
    best.raw = Math.min(best.raw, raw);
    best.ours = Math.min(best.ours, ours);
    best.sandboxed = Math.min(best.sandboxed, sandboxed);
  }
  const rate = (ms: number) => pages / (ms / 1000);
  console.log(`\n## Pipeline throughput — ${inputs.length} corpus papers, ${pages} pages, best of ${rounds}`);
  console.log(`raw pdf.js getTextContent      ${rate(best.raw).toFixed(1).padStart(7)} pages/s  (baseline)`);
  console.log(
    `ours, in process               ${rate(best.ours).toFixed(1).padStart(7)} pages/s  ratio ${(rate(best.ours) / rate(best.raw)).toFixed(2)}×`,
  );
  console.log(
    `ours, sandboxed child process  ${rate(best.sandboxed).toFixed(1).padStart(7)} pages/s  ratio ${(rate(best.sandboxed) / rate(best.raw)).toFixed(2)}×  (what the worker runs)`,
  );
}

/** A small deterministic PRNG so every run asks the same queries. */
async function benchSearch(): Promise<SearchWorkload> {
  const workload = await searchWorkload(10_000, quick ? 50 : 300);
  const { chunks: all, queries, baseCount, copies } = workload;
  const dir = mkdtempSync(path.join(os.tmpdir(), "aa-bench-"));
  try {
    const index = new Fts5SearchIndex(path.join(dir, "search.db"));
    const naive = new Database(path.join(dir, "naive.db"));
    naive.exec("CREATE TABLE chunks (id TEXT PRIMARY KEY, project_id TEXT, text TEXT)");
    const insert = naive.prepare("INSERT INTO chunks VALUES (?, ?, ?)");
    const indexMs = await timeIt(async () => {
      for (let i = 0; i < all.length; i += 1000) await index.indexChunks(all.slice(i, i + 1000));
    });
    naive.transaction(() => {
      for (const c of all) insert.run(c.chunkId, c.projectId, c.text);
    })();

    const projectIds = ["prj_0", "prj_1", "prj_2", "prj_3"];
    const ftsTimes: number[] = [];
    const naiveTimes: number[] = [];
    const like = naive.prepare(
      "SELECT id FROM chunks WHERE project_id IN ('prj_0','prj_1','prj_2','prj_3') AND text LIKE ? LIMIT 11",
    );
    let hits = 0;
    for (const q of queries) {
      ftsTimes.push(
        await timeIt(async () => {
          hits += (await index.search({ text: q, projectIds, limit: 10, offset: 0 })).hits.length;
        }),
      );
      naiveTimes.push(await timeIt(async () => like.all(`%${q.split(" ")[0]}%`)));
    }
    ftsTimes.sort((a, b) => a - b);
    naiveTimes.sort((a, b) => a - b);
    console.log(
      `\n## Search latency — ${all.length} chunks (${baseCount} real corpus chunks × ${copies}), ${queries.length} queries (1 in 5 Japanese)`,
    );
    console.log(
      `indexing: ${(all.length / (indexMs / 1000)).toFixed(0)} chunks/s; queries with hits: ${hits > 0 ? "yes" : "NO"}`,
    );
    console.log(
      `FTS5 (BM25 + snippets)  p50 ${percentile(ftsTimes, 50).toFixed(2)} ms  p95 ${percentile(ftsTimes, 95).toFixed(2)} ms`,
    );
    console.log(
      `naive LIKE scan         p50 ${percentile(naiveTimes, 50).toFixed(2)} ms  p95 ${percentile(naiveTimes, 95).toFixed(2)} ms  (baseline, first term only, no ranking)`,
    );
    console.log(
      `ratio FTS5/naive        p50 ${(percentile(ftsTimes, 50) / percentile(naiveTimes, 50)).toFixed(2)}×  p95 ${(percentile(ftsTimes, 95) / percentile(naiveTimes, 95)).toFixed(2)}×`,
    );
    await index.close();
    naive.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return workload;
}

/** A model with a fixed latency per call that answers map calls like the scripted test model. */
class FixedLatencyProvider implements LlmProvider {
  readonly provider = "bench";
  readonly model = "fixed-latency";
  promptTokens = 0;
  constructor(private readonly latencyMs: number) {}
  private async answer(request: LlmRequest) {
    const prompt = [request.system, ...request.messages.map((m) => m.content)].join("\n");
    this.promptTokens += estimateTokens(prompt);
    await new Promise((r) => setTimeout(r, this.latencyMs));
    const text = scriptedNoteReply({ path: "", headers: {}, body: {}, stream: true, prompt });
    return {
      text,
      usage: { inputTokens: estimateTokens(prompt), outputTokens: estimateTokens(text) },
      model: this.model,
    };
  }
  complete(request: LlmRequest) {
    return this.answer(request);
  }
  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    const done = await this.answer(request);
    yield { type: "done", ...done };
  }
}

async function benchNotes(): Promise<void> {
  const latency = quick ? 20 : 100;
  const template = getTemplate("summary")!;
  let mapTokens = 0;
  let naiveTokens = 0;
  const wall = { parallel: 0, sequential: 0 };
  const files = pdfs("papers");
  for (const file of files) {
    const bytes = new Uint8Array(readFileSync(file));
    const extracted = await extractPdfInProcess(bytes, { maxPages: 100 });
    const pages = extracted.pages.map((p) => ({ ...p, documentId: "doc_b" }));
    const chunks = chunkPages(pages).map((c) => ({
      ...c,
      id: `c${c.ordinal}`,
      documentId: "doc_b",
      projectId: "p",
    }));
    const document = {
      id: "doc_b",
      sha256: "cd".repeat(32),
      filename: path.basename(file),
      metadata: extracted.metadata,
    } as unknown as Parameters<LlmNoteGenerator["generate"]>[0]["document"];
    // The naive prompt: the same instructions once, with the whole paper's text.
    naiveTokens += estimateTokens(pages.map((p) => p.text).join("\n\n")) + 450;
    for (const [mode, concurrency] of [
      ["parallel", 4],
      ["sequential", 1],
    ] as const) {
      const llm = new FixedLatencyProvider(latency);
      const generator = new LlmNoteGenerator(llm, { concurrency, chunkTokens: 3000 });
      const t0 = performance.now();
      await generator.generate({ document, pages, chunks, template, language: "en" });
      wall[mode] += performance.now() - t0;
      if (mode === "parallel") mapTokens += llm.promptTokens;
    }
  }
  const n = files.length;
  console.log(
    `\n## LLM notes — ${n} corpus papers, summary template, fake provider with ${latency} ms per call`,
  );
  console.log(
    `prompt tokens per note: map ${(mapTokens / n).toFixed(0)}  naive whole-paper ${(naiveTokens / n).toFixed(0)}  ratio map/naive ${(mapTokens / naiveTokens).toFixed(2)}×`,
  );
  console.log(
    `wall time per note: parallel(4) ${(wall.parallel / n).toFixed(0)} ms  sequential ${(wall.sequential / n).toFixed(0)} ms  speed-up ${(wall.sequential / wall.parallel).toFixed(2)}×`,
  );
}

console.log(
  `# Academic Assist benchmarks — node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString()}`,
);
await benchPipeline();
const workload = await benchSearch();
await benchNotes();
if (!process.argv.includes("--no-services")) await benchServices(workload);

/** Elasticsearch vs FTS5 and BullMQ vs the SQLite queue, on servers started for the run if none are given. */
async function benchServices(workload: SearchWorkload): Promise<void> {
  const { defaultCacheDir } = await import("../services/common.ts");
  const started: { stop(): Promise<void> }[] = [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "aa-bench-services-"));
  const serverUrl = async (
    variable: string,
    start: () => Promise<{ env: Record<string, string>; stop(): Promise<void> }>,
  ) => {
    const given = process.env[variable];
    if (given) return given;
    const handle = await start();
    started.push(handle);
    return handle.env[variable]!;
  };
  const options = (name: string) => ({
    dataDir: path.join(dataDir, name),
    cacheDir: defaultCacheDir(),
    log: (line: string) => console.error(`services: ${name}: ${line}`),
  });
  try {
    const { startElasticsearch } = await import("../services/elasticsearch.ts");
    const { startRedis } = await import("../services/redis.ts");
    const { benchSearchEngines } = await import("./search-engines.ts");
    const { benchQueues } = await import("./queues.ts");
    const esUrl = await serverUrl("AA_TEST_ELASTICSEARCH_URL", () =>
      startElasticsearch(options("elasticsearch")),
    );
    await benchSearchEngines(esUrl, { workload });
    const redisUrl = await serverUrl("AA_TEST_REDIS_URL", () => startRedis(options("redis")));
    await benchQueues(redisUrl, { quick });
  } finally {
    await Promise.allSettled(started.map((s) => s.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
