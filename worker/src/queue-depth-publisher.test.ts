import { afterEach, describe, expect, it } from "vitest";
import { createContext, createLogger, parseCoreConfig, type AppContext } from "@academic-assist/core";
import { tempDir, type TempDir } from "@academic-assist/core/testing";
import { startQueueDepthPublisher } from "./queue-depth-publisher.ts";

describe("queue depth published for CloudWatch", () => {
  let dir: TempDir;
  let app: AppContext;
  afterEach(async () => {
    await app.close();
    await dir.cleanup();
  });
  const open = async () => {
    dir = tempDir();
    app = await createContext(
      parseCoreConfig({ DATA_DIR: dir.path }),
      createLogger({ name: "test", level: "silent" }),
    );
    return app.queue;
  };

  it("when jobs wait in a real queue, then each queue's depth goes out as one EMF line CloudWatch can read", async () => {
    const queue = await open();
    for (let i = 0; i < 3; i++) {
      await queue.enqueue(
        "document_processing",
        { documentId: `doc_${i}` },
        { idempotencyKey: `k${i}`, projectId: "prj_1", documentId: `doc_${i}` },
      );
    }
    const written: string[] = [];
    const publisher = startQueueDepthPublisher({
      queue,
      namespace: "AcademicAssist",
      intervalMs: 60_000,
      write: (text) => written.push(text),
      now: () => 1_700_000_000_000,
    });

    await publisher.publishNow();
    publisher.stop();

    const lines = written
      .join("")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const byQueue = Object.fromEntries(lines.map((l) => [l.Queue as string, l]));
    expect(Object.keys(byQueue).sort()).toEqual(["document_processing", "indexing", "llm_generation"]);
    expect(byQueue.document_processing).toMatchObject({ QueueDepth: 3, FailedJobs: 0 });
    expect(byQueue.indexing).toMatchObject({ QueueDepth: 0 });
    expect(byQueue.document_processing!._aws).toMatchObject({
      Timestamp: 1_700_000_000_000,
      CloudWatchMetrics: [{ Namespace: "AcademicAssist", Dimensions: [["Queue"]] }],
    });
  });

  it("when the queue cannot be counted, then the error is reported and nothing is written", async () => {
    await open();
    const errors: unknown[] = [];
    const written: string[] = [];
    const publisher = startQueueDepthPublisher({
      queue: { counts: () => Promise.reject(new Error("Redis is down")) },
      namespace: "AcademicAssist",
      intervalMs: 60_000,
      write: (text) => written.push(text),
      onError: (e) => errors.push(e),
    });

    await publisher.publishNow();
    publisher.stop();

    expect(written).toEqual([]);
    expect(String(errors[0])).toContain("Redis is down");
  });
});
