import type { JobQueue } from "../../core/src/ports/job-queue.ts";

/**
 * Jobs per second through one queue adapter: `jobs` no-op `indexing` jobs enqueued one by one (the
 * enqueue rate) and then drained by one consumer with `concurrency` (end-to-end rate, from the first
 * enqueue to the last completion). Both adapters run the same loop on the same machine state.
 */
export async function queueThroughput(
  queue: JobQueue,
  options: { jobs: number; concurrency: number },
): Promise<{ enqueuePerS: number; endToEndPerS: number }> {
  const { jobs, concurrency } = options;
  let done = 0;
  let resolveAll!: () => void;
  const allDone = new Promise<void>((r) => (resolveAll = r));
  const started = performance.now();
  for (let i = 0; i < jobs; i++) {
    await queue.enqueue(
      "indexing",
      { documentId: `doc_bench_${i}` },
      { idempotencyKey: `bench-${started}-${i}`, projectId: "prj_bench", documentId: `doc_bench_${i}` },
    );
  }
  const enqueued = performance.now();
  const consumer = queue.process(
    "indexing",
    async () => {
      done++;
      if (done === jobs) resolveAll();
    },
    { concurrency },
  );
  await allDone;
  const finished = performance.now();
  await consumer.close(1000);
  return {
    enqueuePerS: jobs / ((enqueued - started) / 1000),
    endToEndPerS: jobs / ((finished - started) / 1000),
  };
}

/**
 * Jobs/s through BullMQ on the Redis at `redisUrl` against the embedded SQLite queue, same loop,
 * same machine state; printed with the ratio. Never asserted.
 */
export async function benchQueues(redisUrl: string, options: { quick?: boolean } = {}): Promise<void> {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const os = await import("node:os");
  const path = await import("node:path");
  const { SqliteJobQueue } = await import("../../core/src/adapters/sqlite-queue/sqlite-job-queue.ts");
  const { openBullMqQueue } = await import("../../core/src/adapters/bullmq/bullmq-job-queue.ts");
  const jobs = options.quick ? 300 : 2000;
  const concurrency = 8;
  const dir = mkdtempSync(path.join(os.tmpdir(), "aa-bench-queue-"));
  // Both with their production defaults (SQLite: idle poll every 250 ms; BullMQ: blocking waits).
  const sqlite = new SqliteJobQueue({ file: path.join(dir, "queue.db") });
  const bullmq = await openBullMqQueue({ url: redisUrl, prefix: `aa-bench-${Date.now()}` });
  try {
    // Warm-up of both (JIT, connections, schema), then the measured pass.
    await queueThroughput(sqlite, { jobs: 50, concurrency });
    await queueThroughput(bullmq, { jobs: 50, concurrency });
    const local = await queueThroughput(sqlite, { jobs, concurrency });
    const remote = await queueThroughput(bullmq, { jobs, concurrency });
    const line = (name: string, r: { enqueuePerS: number; endToEndPerS: number }) =>
      `${name.padEnd(28)}enqueue ${r.enqueuePerS.toFixed(0).padStart(6)} jobs/s  enqueue→done ${r.endToEndPerS.toFixed(0).padStart(6)} jobs/s`;
    console.log(`\n## Job queue throughput — ${jobs} no-op jobs, one consumer, concurrency ${concurrency}`);
    console.log(line("SQLite queue (embedded)", local));
    console.log(line("BullMQ on Redis (loopback)", remote));
    console.log(
      `ratio BullMQ/SQLite          enqueue ${(remote.enqueuePerS / local.enqueuePerS).toFixed(2)}×  enqueue→done ${(remote.endToEndPerS / local.endToEndPerS).toFixed(2)}×`,
    );
  } finally {
    await bullmq.close();
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
