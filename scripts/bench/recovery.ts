/**
 * The recovery steps one machine can time, for the RTO budget of docs/runbooks/disaster-recovery.md.
 * Printed, never asserted:
 *
 * 1. Local mode, end to end: a real server and worker ingest the corpus papers; then, with both
 *    stopped, `academic-assist backup`, `restore` into an empty DATA_DIR (verify every file, rebuild
 *    the FTS5 index, requeue unfinished work) and `reindex` on their own.
 * 2. Search re-indexed from the metadata store into a real Elasticsearch 8 (and OpenSearch): the
 *    restored documents' stored passages through `rebuildSearchIndex` — per document, drop its
 *    entries and index its chunks, the path `reindex` and the reconciler's re-index take — several
 *    rounds, as documents and chunks per second; and, for comparison, the same chunks bulk-loaded
 *    into an empty index (1,000 per request, one refresh), what a full rebuild could do.
 *
 *   AA_SERVICES=elasticsearch,opensearch npm run test:services -- node --import tsx scripts/bench/recovery.ts [--rounds N]
 *
 * Without AA_TEST_ELASTICSEARCH_URL / AA_TEST_OPENSEARCH_URL only part 1 runs.
 */
import BetterSqlite3 from "better-sqlite3";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { rebuildSearchIndex, toIndexedChunk } from "../../core/src/backup/recovery.ts";
import { runBackendCommand } from "../../core/src/backup/backup-cli.ts";
import { parseCoreConfig } from "../../core/src/config.ts";
import { createLogger } from "../../core/src/logger.ts";
import type { IndexedChunk } from "../../core/src/ports/search-index.ts";
import { createContext } from "../../core/src/wiring.ts";
import { corpusDir, startLocalBackend, waitFor } from "../testing/local-backend.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const rounds = Number(values.rounds);

const seconds = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);

async function timed<T>(what: string, run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await run();
  const ms = performance.now() - t0;
  console.log(`  ${what}: ${seconds(ms)} s`);
  return { ms, result };
}

async function cli(argv: string[]): Promise<void> {
  const err: string[] = [];
  const code = await runBackendCommand(argv, {
    stdout: { write: () => true },
    stderr: { write: (s: string) => err.push(s) },
    env: {},
    cwd: process.cwd(),
  });
  if (code !== 0) throw new Error(`academic-assist ${argv.join(" ")} exited ${code}: ${err.join("")}`);
}

/** A real local instance with every corpus paper uploaded and processed; stopped, its DATA_DIR kept. */
async function ingestCorpus(): Promise<{ dataDir: string; documents: number; chunks: number; ms: number }> {
  const papers = readdirSync(path.join(corpusDir, "papers"))
    .filter((f) => f.endsWith(".pdf"))
    .sort();
  const backend = await startLocalBackend({ WORKER_PROCESSING_CONCURRENCY: "2" });
  const t0 = performance.now();
  const ids: string[] = [];
  for (const file of papers) {
    const res = await fetch(
      `${backend.url}/api/v1/projects/${backend.projectId}/documents?filename=${encodeURIComponent(file)}`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${backend.token}`, "content-type": "application/pdf" },
        body: readFileSync(path.join(corpusDir, "papers", file)),
      },
    );
    if (res.status !== 202) throw new Error(`upload ${file}: ${res.status} ${await res.text()}`);
    ids.push(((await res.json()) as { document: { id: string } }).document.id);
  }
  await waitFor(
    async () => {
      for (const id of ids) {
        const res = await fetch(`${backend.url}/api/v1/documents/${id}`, {
          headers: { authorization: `Bearer ${backend.token}` },
        });
        const { status } = (await res.json()) as { status: string };
        if (status !== "ready" && status !== "failed") return false;
      }
      return true;
    },
    30 * 60_000,
    "every corpus paper processed",
  );
  const ms = performance.now() - t0;
  await backend.halt();
  const db = new BetterSqlite3(path.join(backend.dataDir, "academic-assist.db"), { readonly: true });
  const documents = db
    .prepare<[], number>("SELECT count(*) FROM documents WHERE status = 'ready'")
    .pluck()
    .get()!;
  const chunks = db.prepare<[], number>("SELECT count(*) FROM chunks").pluck().get()!;
  db.close();
  return { dataDir: backend.dataDir, documents, chunks, ms };
}

type Engine = "ELASTICSEARCH_URL" | "OPENSEARCH_URL";

/** The app over the SQLite metadata in `dataDir` with its search on the engine at `url`. */
function openApp(engine: Engine, url: string, dataDir: string, prefix: string) {
  return createContext(
    parseCoreConfig({ DATA_DIR: dataDir, [engine]: url, SEARCH_INDEX_PREFIX: prefix, LOG_LEVEL: "silent" }),
    createLogger({ name: "bench", level: "silent" }),
  );
}

function readyDocumentIds(dataDir: string): string[] {
  const db = new BetterSqlite3(path.join(dataDir, "academic-assist.db"), { readonly: true });
  try {
    return db
      .prepare<[], string>("SELECT id FROM documents WHERE status = 'ready' ORDER BY id")
      .pluck()
      .all();
  } finally {
    db.close();
  }
}

/** `rebuildSearchIndex` from the SQLite metadata in `dataDir` into the engine at `url`, `rounds` times. */
async function reindexInto(
  engine: Engine,
  url: string,
  dataDir: string,
): Promise<{ documents: number; chunks: number; msPerRound: number[] }> {
  const app = await openApp(engine, url, dataDir, `recovery-bench-${process.pid}`);
  try {
    const ids = readyDocumentIds(dataDir);
    const msPerRound: number[] = [];
    let last = { documents: 0, chunks: 0 };
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      last = await rebuildSearchIndex({ chunks: app.repos.chunks, search: app.search, documentIds: ids });
      msPerRound.push(performance.now() - t0);
    }
    return { ...last, msPerRound };
  } finally {
    await app.close();
  }
}

/** Every stored chunk bulk-loaded into a new, empty index (1,000 per request, one refresh), `rounds` times. */
async function bulkLoadInto(engine: Engine, url: string, dataDir: string): Promise<number[]> {
  const msPerRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const app = await openApp(engine, url, dataDir, `recovery-bulk-${process.pid}-${r}`);
    try {
      const t0 = performance.now();
      const chunks: IndexedChunk[] = [];
      for (const id of readyDocumentIds(dataDir)) {
        chunks.push(...(await app.repos.chunks.listByDocument(id)).map(toIndexedChunk));
      }
      for (let i = 0; i < chunks.length; i += 1000) {
        const result = await app.search.indexChunks(chunks.slice(i, i + 1000));
        if (result.failed.length > 0) throw new Error(`bulk load: ${result.failed.length} chunks failed`);
      }
      await app.search.refresh();
      msPerRound.push(performance.now() - t0);
    } finally {
      await app.close();
    }
  }
  return msPerRound;
}

const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;

async function main(): Promise<void> {
  if (!existsSync(path.join(corpusDir, "papers"))) {
    console.log(`recovery bench: skipped, the shared corpus is not at ${corpusDir}`);
    return;
  }
  console.log(
    `recovery bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), node ${process.version}, ${rounds} re-index rounds`,
  );
  const work = mkdtempSync(path.join(os.tmpdir(), "aa-recovery-bench-"));
  const restored = path.join(work, "restored");
  const backupDir = path.join(work, "backup");
  let dataDir = "";
  try {
    console.log("1. local mode: ingest the corpus with a real server and worker, stop them");
    const ingested = await ingestCorpus();
    dataDir = ingested.dataDir;
    console.log(
      `  ingest (not a recovery step): ${ingested.documents} documents ready, ${ingested.chunks} chunks, ${seconds(ingested.ms)} s`,
    );
    const backup = await timed("backup (SQLite online backup of 3 databases + blobs, sha256-verified)", () =>
      cli(["backup", backupDir, "--data-dir", dataDir]),
    );
    const restore = await timed(
      "restore into an empty DATA_DIR (verify, assemble, rebuild FTS5, requeue, swap)",
      () => cli(["restore", backupDir, "--data-dir", restored, "--no-keep"]),
    );
    const reindex = await timed("reindex alone (FTS5 from the chunks)", () =>
      cli(["reindex", "--data-dir", restored]),
    );

    const engines: { name: string; variable: "ELASTICSEARCH_URL" | "OPENSEARCH_URL"; url?: string }[] = [
      { name: "Elasticsearch 8", variable: "ELASTICSEARCH_URL", url: process.env.AA_TEST_ELASTICSEARCH_URL },
      { name: "OpenSearch", variable: "OPENSEARCH_URL", url: process.env.AA_TEST_OPENSEARCH_URL },
    ];
    const rates: string[] = [];
    for (const engine of engines) {
      if (!engine.url) {
        console.log(`2. ${engine.name}: skipped (AA_TEST_${engine.variable} is not set)`);
        continue;
      }
      console.log(`2. re-index from the metadata store into ${engine.name} (${engine.url})`);
      const r = await reindexInto(engine.variable, engine.url, restored);
      const m = median(r.msPerRound);
      const docsPerS = r.documents / (m / 1000);
      const chunksPerS = r.chunks / (m / 1000);
      console.log(
        `  per document (drop + index): ${r.documents} documents, ${r.chunks} chunks per round; rounds ${r.msPerRound.map(seconds).join(", ")} s; median ${seconds(m)} s = ${docsPerS.toFixed(2)} documents/s, ${chunksPerS.toFixed(0)} chunks/s`,
      );
      rates.push(
        `| re-index into ${engine.name}, per document (rebuildSearchIndex), median of ${rounds} | ${seconds(m)} s for ${r.documents} documents / ${r.chunks} chunks = ${docsPerS.toFixed(2)} documents/s, ${chunksPerS.toFixed(0)} chunks/s |`,
      );
      const bulk = await bulkLoadInto(engine.variable, engine.url, restored);
      const b = median(bulk);
      console.log(
        `  bulk into an empty index: rounds ${bulk.map(seconds).join(", ")} s; median ${seconds(b)} s = ${(r.chunks / (b / 1000)).toFixed(0)} chunks/s`,
      );
      rates.push(
        `| bulk load into an empty ${engine.name} index, median of ${rounds} | ${seconds(b)} s for ${r.chunks} chunks = ${(r.documents / (b / 1000)).toFixed(1)} documents/s, ${(r.chunks / (b / 1000)).toFixed(0)} chunks/s |`,
      );
    }

    console.log("\n| step | measured |\n|---|---|");
    console.log(
      `| backup, ${ingested.documents} papers (${ingested.chunks} chunks) | ${seconds(backup.ms)} s |`,
    );
    console.log(`| restore incl. verify, FTS5 rebuild, requeue | ${seconds(restore.ms)} s |`);
    console.log(`| reindex alone (FTS5) | ${seconds(reindex.ms)} s |`);
    for (const line of rates) console.log(line);
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
