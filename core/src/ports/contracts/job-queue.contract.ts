import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newId } from "../../domain/ids.ts";
import { unrecoverable } from "../../errors/app-error.ts";
import type { QueueName } from "@academic-assist/sdk/contract";
import type { JobContext, JobHandler, JobQueue, ProcessOptions, QueueConsumer } from "../job-queue.ts";
import { deferred, delay, waitFor, type ContractSubject } from "./contract-helpers.ts";

/** A queue adapter under test, plus a way to simulate a restart. */
export interface JobQueueSubject extends ContractSubject<JobQueue> {
  /**
   * A new adapter on the same storage, as a restarted process would open it (the test closes the
   * previous one first). `cleanup` must also dispose of adapters made here.
   */
  reopen: () => Promise<JobQueue>;
}

const PROJECT = "prj_queue";
const opts = (over: { maxAttempts?: number; key?: string } = {}) => ({
  idempotencyKey: over.key ?? newId("key"),
  projectId: PROJECT,
  documentId: "doc_1",
  ...(over.maxAttempts === undefined ? {} : { maxAttempts: over.maxAttempts }),
});

/**
 * The behaviour every {@link JobQueue} implementation must have. `make` returns a fresh adapter on
 * empty storage each time, configured for tests: polling every few milliseconds and a retry backoff
 * base of about 50 ms.
 */
export function describeJobQueue(make: () => Promise<JobQueueSubject>): void {
  describe("JobQueue contract", () => {
    let subject: JobQueueSubject;
    let queue: JobQueue;
    const consumers: QueueConsumer[] = [];

    beforeEach(async () => {
      subject = await make();
      queue = subject.adapter;
    });
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.close(100)));
      await subject.cleanup();
    });

    const consume = <Q extends QueueName>(
      name: Q,
      handler: JobHandler<Q>,
      options?: ProcessOptions,
    ): QueueConsumer => {
      const consumer = queue.process(name, handler, options);
      consumers.push(consumer);
      return consumer;
    };

    const settled = (q: JobQueue, id: string, timeoutMs = 5000) =>
      waitFor(
        async () => {
          const job = await q.get(id);
          return job && (job.status === "completed" || job.status === "failed") ? job : undefined;
        },
        timeoutMs,
        `job ${id} to finish`,
      );

    describe("enqueue", () => {
      it("when a job is enqueued, then it is queued with no attempts and can be read back", async () => {
        const job = await queue.enqueue(
          "document_processing",
          { documentId: "doc_1" },
          opts({ maxAttempts: 3 }),
        );

        expect(job).toMatchObject({
          queue: "document_processing",
          status: "queued",
          payload: { documentId: "doc_1" },
          projectId: PROJECT,
          documentId: "doc_1",
          noteId: null,
          attempts: 0,
          maxAttempts: 3,
          progress: null,
          error: null,
          finishedAt: null,
        });
        expect(await queue.get(job.id)).toEqual(job);
        expect(await queue.get("job_missing")).toBeNull();
      });

      it("when the same idempotency key is enqueued twice, then the same job comes back and it runs once", async () => {
        const first = await queue.enqueue("indexing", { documentId: "doc_1" }, opts({ key: "index:doc_1" }));
        const second = await queue.enqueue(
          "indexing",
          { documentId: "doc_other" },
          opts({ key: "index:doc_1" }),
        );
        let runs = 0;

        consume("indexing", async () => {
          runs++;
        });
        const done = await settled(queue, first.id);
        const third = await queue.enqueue("indexing", { documentId: "doc_1" }, opts({ key: "index:doc_1" }));
        await delay(100);

        expect(second.id).toBe(first.id);
        expect(second.payload).toEqual({ documentId: "doc_1" });
        expect(done.status).toBe("completed");
        expect(third).toMatchObject({ id: first.id, status: "completed" });
        expect(runs).toBe(1);
      });
    });

    describe("processing", () => {
      it("when a handler succeeds, then it saw the payload on attempt 1 and the job is completed", async () => {
        const job = await queue.enqueue("llm_generation", { noteId: "note_1" }, opts());
        const seen: { payload: unknown; attempt: number; status: string }[] = [];

        consume("llm_generation", async (ctx) => {
          seen.push({ payload: ctx.job.payload, attempt: ctx.attempt, status: ctx.job.status });
        });
        const done = await settled(queue, job.id);

        expect(seen).toEqual([{ payload: { noteId: "note_1" }, attempt: 1, status: "active" }]);
        expect(done).toMatchObject({ status: "completed", attempts: 1, error: null });
        expect(done.finishedAt).not.toBeNull();
      });

      it("when a handler reports progress, then the job shows it while running", async () => {
        const job = await queue.enqueue("document_processing", { documentId: "doc_1" }, opts());
        const release = deferred();

        consume("document_processing", async (ctx) => {
          await ctx.progress({ stage: "extracting", done: 2, total: 10 });
          await release.promise;
        });
        const running = await waitFor(async () => {
          const j = await queue.get(job.id);
          return j?.progress ? j : undefined;
        });
        release.resolve();
        await settled(queue, job.id);

        expect(running).toMatchObject({
          status: "active",
          progress: { stage: "extracting", done: 2, total: 10 },
        });
      });

      it("when jobs wait in a queue, then a consumer takes only that queue's jobs, oldest first", async () => {
        const a = await queue.enqueue("indexing", { documentId: "a" }, opts());
        const other = await queue.enqueue("document_processing", { documentId: "x" }, opts());
        const b = await queue.enqueue("indexing", { documentId: "b" }, opts());
        const order: string[] = [];

        consume("indexing", async (ctx) => {
          order.push(ctx.job.payload.documentId);
        });
        await settled(queue, b.id);
        await settled(queue, a.id);
        await delay(50);

        expect(order).toEqual(["a", "b"]);
        expect((await queue.get(other.id))?.status).toBe("queued");
      });

      it("when concurrency is 2, then two jobs run at the same time but never three", async () => {
        const jobs = await Promise.all(
          [1, 2, 3, 4].map((i) => queue.enqueue("indexing", { documentId: `d${i}` }, opts())),
        );
        let running = 0;
        let peak = 0;

        consume(
          "indexing",
          async () => {
            running++;
            peak = Math.max(peak, running);
            await delay(60);
            running--;
          },
          { concurrency: 2 },
        );
        for (const job of jobs) await settled(queue, job.id);

        expect(peak).toBe(2);
      });
    });

    describe("failures", () => {
      it("when a handler fails twice then succeeds, then it is retried with growing delays and completes on attempt 3", async () => {
        const job = await queue.enqueue("indexing", { documentId: "doc_1" }, opts({ maxAttempts: 5 }));
        const attempts: { attempt: number; at: number }[] = [];

        consume("indexing", async (ctx) => {
          attempts.push({ attempt: ctx.attempt, at: Date.now() });
          if (ctx.attempt < 3) throw new Error(`flaky ${ctx.attempt}`);
        });
        const done = await settled(queue, job.id);

        expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
        const firstGap = attempts[1]!.at - attempts[0]!.at;
        const secondGap = attempts[2]!.at - attempts[1]!.at;
        expect(firstGap).toBeGreaterThanOrEqual(20);
        expect(secondGap).toBeGreaterThan(firstGap);
        expect(done).toMatchObject({ status: "completed", attempts: 3, error: null });
      });

      it("when a handler fails with an unrecoverable error, then the job fails at once with its code", async () => {
        const job = await queue.enqueue(
          "document_processing",
          { documentId: "doc_1" },
          opts({ maxAttempts: 5 }),
        );
        let runs = 0;

        consume("document_processing", async () => {
          runs++;
          throw unrecoverable("password_required", "The PDF is encrypted.");
        });
        const done = await settled(queue, job.id);
        await delay(100);

        expect(runs).toBe(1);
        expect(done).toMatchObject({
          status: "failed",
          attempts: 1,
          error: { code: "password_required", detail: "The PDF is encrypted." },
        });
        expect(done.finishedAt).not.toBeNull();
        expect((await queue.deadLetters("document_processing", 10)).map((j) => j.id)).toEqual([job.id]);
      });

      it("when a handler keeps failing, then the job becomes a dead letter after maxAttempts with code internal", async () => {
        const job = await queue.enqueue("llm_generation", { noteId: "note_1" }, opts({ maxAttempts: 2 }));
        const ok = await queue.enqueue("llm_generation", { noteId: "note_ok" }, opts());
        let runs = 0;

        consume("llm_generation", async (ctx) => {
          if (ctx.job.payload.noteId === "note_ok") return;
          runs++;
          throw new Error("model unavailable");
        });
        const done = await settled(queue, job.id);
        await settled(queue, ok.id);
        await delay(150);

        expect(runs).toBe(2);
        expect(done).toMatchObject({
          status: "failed",
          attempts: 2,
          maxAttempts: 2,
          error: { code: "internal", detail: "model unavailable" },
        });
        expect((await queue.deadLetters("llm_generation", 10)).map((j) => j.id)).toEqual([job.id]);
        expect(await queue.deadLetters("indexing", 10)).toEqual([]);
      });
    });

    describe("shutdown and restart", () => {
      it("when a consumer is closed while a job runs, then close waits for the job to finish", async () => {
        const job = await queue.enqueue("indexing", { documentId: "doc_1" }, opts());
        const started = deferred();
        const consumer = consume("indexing", async () => {
          started.resolve();
          await delay(150);
        });
        await started.promise;

        await consumer.close(5000);

        expect((await queue.get(job.id))?.status).toBe("completed");
      });

      it("when a consumer is closed, then it takes no new jobs", async () => {
        const consumer = consume("indexing", async () => undefined);
        await consumer.close();

        const job = await queue.enqueue("indexing", { documentId: "doc_1" }, opts());
        await delay(150);

        expect((await queue.get(job.id))?.status).toBe("queued");
      });

      it("when a running job outlasts the close timeout, then its signal is aborted and the next consumer completes it once", async () => {
        const job = await queue.enqueue(
          "document_processing",
          { documentId: "doc_1" },
          opts({ maxAttempts: 3 }),
        );
        const started = deferred();
        let aborted = false;
        const first = consume(
          "document_processing",
          async (ctx: JobContext<"document_processing">) => {
            started.resolve();
            await new Promise<void>((_, reject) => {
              ctx.signal.addEventListener("abort", () => {
                aborted = true;
                reject(new Error("aborted"));
              });
            });
          },
          { leaseMs: 300 },
        );
        await started.promise;

        await first.close(50);
        let completions = 0;
        consume(
          "document_processing",
          async () => {
            completions++;
          },
          { leaseMs: 300 },
        );
        const done = await settled(queue, job.id, 5000);
        await delay(100);

        expect(aborted).toBe(true);
        expect(done.status).toBe("completed");
        expect(completions).toBe(1);
      });

      it("when the queue is closed and reopened, then waiting jobs are still there and get processed", async () => {
        const a = await queue.enqueue("indexing", { documentId: "a" }, opts());
        const b = await queue.enqueue("indexing", { documentId: "b" }, opts());
        await queue.close();

        queue = await subject.reopen();
        const seen: string[] = [];
        consume("indexing", async (ctx) => {
          seen.push(ctx.job.payload.documentId);
        });
        await settled(queue, a.id);
        await settled(queue, b.id);

        expect(seen).toEqual(["a", "b"]);
      });

      it("when a completed job's queue is reopened, then the job is never run again", async () => {
        const job = await queue.enqueue("indexing", { documentId: "a" }, opts({ key: "once" }));
        consume("indexing", async () => undefined);
        await settled(queue, job.id);
        await Promise.all(consumers.splice(0).map((c) => c.close()));
        await queue.close();

        queue = await subject.reopen();
        let runs = 0;
        consume("indexing", async () => {
          runs++;
        });
        const again = await queue.enqueue("indexing", { documentId: "a" }, opts({ key: "once" }));
        await delay(200);

        expect(again).toMatchObject({ id: job.id, status: "completed" });
        expect(runs).toBe(0);
      });
    });

    describe("listing", () => {
      it("when a project's jobs are paged, then each appears once, newest first, and status filters apply", async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          ids.push((await queue.enqueue("indexing", { documentId: `d${i}` }, opts())).id);
          await delay(2);
        }
        await queue.enqueue(
          "indexing",
          { documentId: "elsewhere" },
          { idempotencyKey: newId("key"), projectId: "prj_other" },
        );

        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await queue.listByProject(PROJECT, { limit: 2, cursor });
          seen.push(...page.items.map((j) => j.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);

        expect(seen).toEqual([...ids].reverse());
        expect((await queue.listByProject(PROJECT, { limit: 10, status: "completed" })).items).toEqual([]);
        expect((await queue.listByProject(PROJECT, { limit: 10, status: "queued" })).items).toHaveLength(5);
      });

      it("when jobs are in various states, then counts reports them per queue and status", async () => {
        const ok = await queue.enqueue("indexing", { documentId: "ok" }, opts());
        const bad = await queue.enqueue("indexing", { documentId: "bad" }, opts({ maxAttempts: 1 }));
        await queue.enqueue("llm_generation", { noteId: "n" }, opts());
        consume("indexing", async (ctx) => {
          if (ctx.job.payload.documentId === "bad") throw new Error("no");
        });
        await settled(queue, ok.id);
        await settled(queue, bad.id);

        const counts = await queue.counts();

        expect(counts).toEqual({
          document_processing: { queued: 0, active: 0, completed: 0, failed: 0 },
          indexing: { queued: 0, active: 0, completed: 1, failed: 1 },
          llm_generation: { queued: 1, active: 0, completed: 0, failed: 0 },
        });
      });
    });

    it("when the queue's store is up, then ping answers true", async () => {
      expect(await queue.ping()).toBe(true);
    });
  });
}
