import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { describeJobQueue } from "../../ports/contracts/job-queue.contract.ts";
import { delay, waitFor } from "../../ports/contracts/contract-helpers.ts";
import { tempDir } from "../../testing/index.ts";
import { openDatabase } from "../sqlite/database.ts";
import { SqliteJobQueue } from "./sqlite-job-queue.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../../../..");
const FIXTURE = join(import.meta.dirname, "crash-consumer.fixture.ts");
const testOptions = { pollIntervalMs: 10, backoffBaseMs: 50, backoffMaxMs: 2000 };

describe("SqliteJobQueue", () => {
  describeJobQueue(async () => {
    const dir = tempDir();
    const file = join(dir.path, "queue.db");
    const opened: SqliteJobQueue[] = [];
    const open = async () => {
      const q = new SqliteJobQueue({ file, ...testOptions });
      opened.push(q);
      return q;
    };
    return {
      adapter: await open(),
      reopen: open,
      cleanup: async () => {
        await Promise.all(opened.map((q) => q.close(100)));
        await dir.cleanup();
      },
    };
  });

  it("when the worker process is killed mid-job, then after restart the job is delivered again and completes exactly once", async () => {
    const dir = tempDir();
    const file = join(dir.path, "queue.db");
    const markers = openDatabase(join(dir.path, "markers.db"));
    markers.exec("CREATE TABLE markers (job_id TEXT NOT NULL, kind TEXT NOT NULL, pid INTEGER NOT NULL)");
    const producer = new SqliteJobQueue({ file, ...testOptions });
    const job = await producer.enqueue(
      "document_processing",
      { documentId: "doc_1" },
      { idempotencyKey: "process:doc_1", projectId: "prj_1" },
    );

    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, file, join(dir.path, "markers.db")], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString();
    });
    child.stderr.on("data", (data: Buffer) => {
      output += data.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolveExit) => {
      child.on("exit", (_code, signal) => {
        resolveExit(signal);
      });
    });
    await waitFor(
      () => output.includes(`started ${job.id}`),
      20_000,
      `the child to start the job (output: ${output})`,
    );
    child.kill("SIGKILL");
    const signal = await exited;
    const orphaned = await producer.get(job.id);

    const completions: number[] = [];
    const consumer = producer.process(
      "document_processing",
      async (ctx) => {
        markers
          .prepare("INSERT INTO markers (job_id, kind, pid) VALUES (?, 'completed', ?)")
          .run(ctx.job.id, process.pid);
        completions.push(ctx.attempt);
      },
      { leaseMs: 400 },
    );
    const done = await waitFor(async () => {
      const j = await producer.get(job.id);
      return j?.status === "completed" ? j : undefined;
    }, 10_000);
    await delay(600);

    expect(signal).toBe("SIGKILL");
    expect(orphaned).toMatchObject({ status: "active", attempts: 1 });
    expect(done).toMatchObject({ status: "completed", attempts: 2 });
    expect(completions).toEqual([2]);
    expect(markers.prepare("SELECT kind, pid FROM markers ORDER BY rowid").all()).toEqual([
      { kind: "started", pid: child.pid },
      { kind: "completed", pid: process.pid },
    ]);
    expect((await producer.get(job.id))?.status).toBe("completed");
    await consumer.close();
    await producer.close();
    markers.close();
    await dir.cleanup();
  }, 30_000);

  it("when a worker stops renewing a job on its last attempt, then the job becomes a dead letter instead of running again", async () => {
    const dir = tempDir();
    const queue = new SqliteJobQueue({ file: join(dir.path, "queue.db"), ...testOptions });
    const job = await queue.enqueue(
      "indexing",
      { documentId: "d" },
      { idempotencyKey: "k", projectId: "p", maxAttempts: 1 },
    );
    let release: () => void = () => undefined;
    const stuck = queue.process(
      "indexing",
      // Ignores its abort signal, as a wedged handler would.
      () => new Promise<void>((resolveHandler) => (release = resolveHandler)),
      { leaseMs: 100 },
    );
    await waitFor(async () => (await queue.get(job.id))?.status === "active");
    await stuck.close(10);

    let runs = 0;
    const next = queue.process(
      "indexing",
      async () => {
        runs++;
      },
      { leaseMs: 100 },
    );
    const failed = await waitFor(async () => {
      const j = await queue.get(job.id);
      return j?.status === "failed" ? j : undefined;
    });
    release();
    await delay(50);

    expect(runs).toBe(0);
    expect(failed.error?.code).toBe("internal");
    expect((await queue.get(job.id))?.status).toBe("failed");
    await next.close();
    await queue.close();
    await dir.cleanup();
  });

  it("when old finished jobs are pruned, then they are deleted and waiting jobs are kept", async () => {
    const dir = tempDir();
    const queue = new SqliteJobQueue({ file: join(dir.path, "queue.db"), ...testOptions });
    const done = await queue.enqueue(
      "indexing",
      { documentId: "a" },
      { idempotencyKey: "a", projectId: "p" },
    );
    const waiting = await queue.enqueue(
      "llm_generation",
      { noteId: "n" },
      { idempotencyKey: "n", projectId: "p" },
    );
    const consumer = queue.process("indexing", async () => undefined);
    await waitFor(async () => (await queue.get(done.id))?.status === "completed");
    await consumer.close();

    const keptRecent = await queue.prune(60_000);
    await delay(5);
    const pruned = await queue.prune(0);

    expect(keptRecent).toBe(0);
    expect(pruned).toBe(1);
    expect(await queue.get(done.id)).toBeNull();
    expect(await queue.get(waiting.id)).not.toBeNull();
    await queue.close();
    await dir.cleanup();
  });

  it("when an unknown queue name is used, then enqueue fails with validation_failed", async () => {
    const dir = tempDir();
    const queue = new SqliteJobQueue({ file: join(dir.path, "queue.db") });

    await expect(
      queue.enqueue("nope" as "indexing", { documentId: "d" }, { idempotencyKey: "k", projectId: "p" }),
    ).rejects.toMatchObject({
      code: "validation_failed",
    });
    await queue.close();
    await dir.cleanup();
  });
});
