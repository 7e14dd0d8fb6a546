import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeEventBus } from "../../ports/contracts/event-bus.contract.ts";
import { waitFor } from "../../ports/contracts/contract-helpers.ts";
import { tempDir } from "../../testing/index.ts";
import { SqliteEventBus } from "./sqlite-event-bus.ts";

const event = {
  type: "job.completed",
  projectId: "prj_a",
  documentId: null,
  jobId: "job_1",
  noteId: null,
  data: {},
} as const;

describe("SqliteEventBus", () => {
  describeEventBus(async () => {
    const dir = tempDir();
    const adapter = new SqliteEventBus(join(dir.path, "events.db"), { pollIntervalMs: 20 });
    return {
      adapter,
      cleanup: async () => {
        await adapter.close();
        await dir.cleanup();
      },
    };
  });

  it("when another connection (another process) publishes, then a watcher here is called", async () => {
    const dir = tempDir();
    const file = join(dir.path, "events.db");
    const server = new SqliteEventBus(file, { pollIntervalMs: 20 });
    const worker = new SqliteEventBus(file, { pollIntervalMs: 20 });
    let calls = 0;
    const stop = server.watch(() => calls++);

    const published = await worker.publish(event);
    await waitFor(() => calls > 0, 3000, "the cross-connection watcher");

    expect(await server.latestId()).toBe(published.id);
    expect(await server.list(null, ["prj_a"], 10)).toEqual([published]);
    stop();
    await server.close();
    await worker.close();
    await dir.cleanup();
  });

  it("when events are older than the retention, then they are pruned on open but ids keep growing", async () => {
    const dir = tempDir();
    const file = join(dir.path, "events.db");
    const first = new SqliteEventBus(file);
    const old = await first.publish(event);
    await first.close();
    await new Promise((r) => setTimeout(r, 5));

    const second = new SqliteEventBus(file, { retentionMs: 1 });
    const latestAfterPrune = await second.latestId();
    const next = await second.publish(event);

    expect(await second.list(null, ["prj_a"], 10)).toEqual([next]);
    expect(latestAfterPrune).toBe(old.id);
    expect(Number(next.id)).toBeGreaterThan(Number(old.id));
    await second.close();
    await dir.cleanup();
  });
});
