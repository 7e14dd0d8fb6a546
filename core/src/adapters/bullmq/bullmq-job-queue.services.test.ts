// The fault tests listen to BullMQ's own event stream to prove that no job stalled.
import { QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeJobQueue } from "../../ports/contracts/job-queue.contract.ts";
import { delay, errorCodeOf, waitFor } from "../../ports/contracts/contract-helpers.ts";
import type { JobQueue } from "../../ports/job-queue.ts";
import { tempDir, type TempDir } from "../../testing/index.ts";
import { startRedisServer, type RedisServerHandle } from "../../testing/redis-server.ts";
import { serviceUrl } from "../../testing/services.ts";
import { RedisEvictionPolicyError } from "../redis/redis-connection.ts";
import { dropPrefix, freshPrefix } from "../redis/redis-test-helpers.ts";
import { openBullMqQueue, type BullMqJobQueue, type BullMqJobQueueOptions } from "./bullmq-job-queue.ts";

const url = serviceUrl("AA_TEST_REDIS_URL", "BullMQ/Redis adapters");
const REPO_ROOT = resolve(import.meta.dirname, "../../../..");
const FIXTURE = join(import.meta.dirname, "worker-process.fixture.ts");
const testOptions = {
  backoffBaseMs: 50,
  backoffMaxMs: 2000,
  retryDelayMs: 200,
} satisfies BullMqJobQueueOptions;

const settledJob = (
  queue: JobQueue,
  id: string,
  status: "completed" | "failed" = "completed",
  timeoutMs = 15_000,
) =>
  waitFor(
    async () => {
      const job = await queue.get(id);
      return job?.status === status ? job : undefined;
    },
    timeoutMs,
    `job ${id} to be ${status}`,
  );

/** Runs the worker fixture in its own process; `output` collects its stdout and stderr. */
function startWorkerProcess(redisUrl: string, prefix: string, mode: "hang" | "drain") {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, redisUrl, prefix, mode], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const state = { output: "" };
  child.stdout.on("data", (data: Buffer) => (state.output += data.toString()));
  child.stderr.on("data", (data: Buffer) => (state.output += data.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.on("exit", (code, signal) => {
      resolveExit({ code, signal });
    });
  });
  return { child, state, exited };
}

describe.skipIf(!url)("BullMqJobQueue", () => {
  const redisUrl = url!;

  describeJobQueue(async () => {
    const prefix = freshPrefix("queue");
    const opened: BullMqJobQueue[] = [];
    const open = async () => {
      const q = await openBullMqQueue({ url: redisUrl, prefix, ...testOptions });
      opened.push(q);
      return q;
    };
    return {
      adapter: await open(),
      reopen: open,
      cleanup: async () => {
        await Promise.all(opened.map((q) => q.close(100)));
        await dropPrefix(redisUrl, prefix);
      },
    };
  });

  it("when a consumer process is SIGKILLed mid-job, then the job is delivered again and completes exactly once", async () => {
    const prefix = freshPrefix("kill");
    const queue = await openBullMqQueue({ url: redisUrl, prefix, ...testOptions });
    const job = await queue.enqueue(
      "document_processing",
      { documentId: "doc_1" },
      { idempotencyKey: "process:doc_1", projectId: "prj_1" },
    );
    const worker = startWorkerProcess(redisUrl, prefix, "hang");
    await waitFor(
      () => worker.state.output.includes(`started ${job.id}`),
      20_000,
      `the child to start the job (output: ${worker.state.output})`,
    );

    worker.child.kill("SIGKILL");
    const exit = await worker.exited;
    const orphaned = await queue.get(job.id);
    const completions: number[] = [];
    const consumer = queue.process(
      "document_processing",
      async (ctx) => {
        completions.push(ctx.attempt);
      },
      { leaseMs: 300 },
    );
    const done = await settledJob(queue, job.id);
    await delay(1000);

    expect(exit.signal).toBe("SIGKILL");
    expect(orphaned).toMatchObject({ status: "active", attempts: 1 });
    expect(done).toMatchObject({ status: "completed", attempts: 2, error: null });
    expect(completions).toEqual([2]);
    expect((await queue.get(job.id))?.status).toBe("completed");
    await consumer.close();
    await queue.close();
    await dropPrefix(redisUrl, prefix);
  }, 40_000);

  it("when a worker process gets SIGTERM mid-job, then it finishes the job before exiting and nothing stalls", async () => {
    const prefix = freshPrefix("term");
    const queue = await openBullMqQueue({ url: redisUrl, prefix, ...testOptions });
    const events = new QueueEvents("document_processing", {
      connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
      prefix,
    });
    await events.waitUntilReady();
    const stalled: string[] = [];
    events.on("stalled", ({ jobId }) => stalled.push(jobId));
    const job = await queue.enqueue(
      "document_processing",
      { documentId: "doc_1" },
      { idempotencyKey: "process:doc_1", projectId: "prj_1" },
    );
    const worker = startWorkerProcess(redisUrl, prefix, "drain");
    await waitFor(
      () => worker.state.output.includes(`started ${job.id}`),
      20_000,
      "the child to start the job",
    );
    // A second consumer whose stalled checks (every 300 ms) would take the job if the draining one stopped renewing its lease.
    let stolen = 0;
    const watcher = queue.process(
      "document_processing",
      async () => {
        stolen++;
      },
      { leaseMs: 300 },
    );

    worker.child.kill("SIGTERM");
    const exit = await worker.exited;
    const afterExit = await queue.get(job.id);
    await delay(1000);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(worker.state.output).toContain(`finished ${job.id}`);
    expect(afterExit).toMatchObject({ status: "completed", attempts: 1, error: null });
    expect(stolen).toBe(0);
    expect(stalled).toEqual([]);
    await watcher.close();
    await events.close();
    await queue.close();
    await dropPrefix(redisUrl, prefix);
  }, 40_000);

  it("when finished jobs exceed the retention, then the oldest are gone from get and from the project's list", async () => {
    const prefix = freshPrefix("retention");
    const queue = await openBullMqQueue({
      url: redisUrl,
      prefix,
      ...testOptions,
      retention: { completedCount: 1 },
    });
    const first = await queue.enqueue(
      "indexing",
      { documentId: "a" },
      { idempotencyKey: "a", projectId: "prj_r" },
    );
    await delay(2);
    const second = await queue.enqueue(
      "indexing",
      { documentId: "b" },
      { idempotencyKey: "b", projectId: "prj_r" },
    );
    const consumer = queue.process("indexing", async () => undefined);
    await settledJob(queue, second.id);
    await waitFor(async () => (await queue.get(first.id)) === null, 5000, "the first job's eviction");

    const page = await queue.listByProject("prj_r", { limit: 10 });
    const again = await queue.enqueue(
      "indexing",
      { documentId: "a" },
      { idempotencyKey: "a", projectId: "prj_r" },
    );

    await settledJob(queue, again.id);
    const pageAfter = await queue.listByProject("prj_r", { limit: 10 });

    expect(page.items.map((j) => j.id)).toEqual([second.id]);
    expect(page.nextCursor).toBeNull();
    expect(again).toMatchObject({ id: first.id, status: "queued" });
    expect(pageAfter.items.map((j) => j.id)).toEqual([again.id]);
    await consumer.close();
    await queue.close();
    await dropPrefix(redisUrl, prefix);
  });

  it("when an unknown queue name or a bad cursor is used, then the call fails with validation_failed", async () => {
    const prefix = freshPrefix("validation");
    const queue = await openBullMqQueue({ url: redisUrl, prefix, ...testOptions });

    const badQueue = await errorCodeOf(
      queue.enqueue("nope" as "indexing", { documentId: "d" }, { idempotencyKey: "k", projectId: "p" }),
    );
    const badCursor = await errorCodeOf(queue.listByProject("p", { limit: 5, cursor: "not-a-cursor" }));

    expect(badQueue).toBe("validation_failed");
    expect(badCursor).toBe("validation_failed");
    await queue.close();
  });
});

describe.skipIf(!url)("BullMqJobQueue against a Redis that restarts", () => {
  let dir: TempDir;
  let server: RedisServerHandle;

  beforeAll(async () => {
    dir = tempDir("aa-redis-restart-");
    server = await startRedisServer({ dir: dir.path });
  });
  afterAll(async () => {
    await server.stop();
    await dir.cleanup();
  });

  it("when Redis restarts mid-run, then enqueue fails fast while it is down and the consumer finishes every job by itself", async () => {
    const queue = await openBullMqQueue({ url: server.url, prefix: freshPrefix("restart"), ...testOptions });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++)
      ids.push(
        (
          await queue.enqueue(
            "indexing",
            { documentId: `d${i}` },
            { idempotencyKey: `index:d${i}`, projectId: "prj_1" },
          )
        ).id,
      );
    const processed = new Set<string>();
    const consumer = queue.process(
      "indexing",
      async (ctx) => {
        await delay(100);
        processed.add(ctx.job.payload.documentId);
      },
      { leaseMs: 1000 },
    );
    await waitFor(() => processed.size >= 3, 10_000, "the first jobs");

    await server.stop();
    const started = Date.now();
    const whileDown = await errorCodeOf(
      queue.enqueue("indexing", { documentId: "late" }, { idempotencyKey: "index:late", projectId: "prj_1" }),
    );
    const failedWithinMs = Date.now() - started;
    const pingWhileDown = await queue.ping();
    await delay(500);
    await server.start();
    // The producer connection comes back by itself within its reconnect backoff (at most 2 s).
    await waitFor(() => queue.ping(), 10_000, "the producer to reconnect");
    const finished = await Promise.all(ids.map((id) => settledJob(queue, id, "completed", 30_000)));
    const late = await queue.enqueue(
      "indexing",
      { documentId: "late" },
      { idempotencyKey: "index:late", projectId: "prj_1" },
    );
    await settledJob(queue, late.id, "completed", 15_000);

    expect(whileDown).toBe("service_unavailable");
    expect(failedWithinMs).toBeLessThan(2000);
    expect(pingWhileDown).toBe(false);
    expect(finished.map((j) => j.status)).toEqual(ids.map(() => "completed"));
    expect([...processed].sort()).toEqual([...[...Array(10).keys()].map((i) => `d${i}`), "late"].sort());
    await consumer.close();
    await queue.close();
  }, 60_000);

  it("when Redis may evict keys, then opening refuses with a clear error, or only warns when told to", async () => {
    const admin = new Redis(server.url);
    await admin.config("SET", "maxmemory-policy", "allkeys-lru");
    const warnings: string[] = [];

    const refused = await openBullMqQueue({ url: server.url, prefix: freshPrefix("policy") }).catch(
      (e: unknown) => e,
    );
    const warned = await openBullMqQueue({
      url: server.url,
      prefix: freshPrefix("policy"),
      evictionPolicyCheck: "warn",
      logger: { warn: (_d, message) => warnings.push(message) },
    });
    await admin.config("SET", "maxmemory-policy", "noeviction");

    expect(refused).toBeInstanceOf(RedisEvictionPolicyError);
    expect((refused as Error).message).toContain('"allkeys-lru"');
    expect(await warned.ping()).toBe(true);
    expect(warnings.join("\n")).toContain("noeviction");
    await warned.close();
    admin.disconnect();
  });

  it("when Redis is unreachable at startup, then opening fails with service_unavailable after the connect timeout", async () => {
    await server.stop();
    const started = Date.now();

    const code = await errorCodeOf(openBullMqQueue({ url: server.url, connectTimeoutMs: 500 }));

    expect(code).toBe("service_unavailable");
    expect(Date.now() - started).toBeLessThan(3000);
    await server.start();
  });
});
