import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NewEvent } from "../../domain/records.ts";
import type { EventBus } from "../event-bus.ts";
import { delay, errorCodeOf, waitFor, type ContractSubject } from "./contract-helpers.ts";

const event = (projectId: string, data: Record<string, unknown> = {}): NewEvent => ({
  type: "job.progress",
  projectId,
  documentId: "doc_1",
  jobId: "job_1",
  noteId: null,
  data,
});

/**
 * The behaviour every {@link EventBus} implementation must have. `make` returns a fresh adapter on
 * empty storage each time, configured to notice other publishers within a few tens of milliseconds.
 */
export function describeEventBus(make: () => Promise<ContractSubject<EventBus>>): void {
  describe("EventBus contract", () => {
    let bus: EventBus;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ adapter: bus, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    it("when events are published, then they get increasing decimal ids and read back oldest first", async () => {
      const a = await bus.publish(event("prj_a", { stage: "extracting", done: 1 }));
      const b = await bus.publish({ ...event("prj_a"), type: "note.ready", noteId: "note_1", jobId: null });

      const listed = await bus.list(null, ["prj_a"], 10);

      expect(a.id).toMatch(/^\d+$/);
      expect(BigInt(b.id)).toBeGreaterThan(BigInt(a.id));
      expect(listed).toEqual([a, b]);
      expect(a).toMatchObject({
        type: "job.progress",
        projectId: "prj_a",
        documentId: "doc_1",
        jobId: "job_1",
        data: { stage: "extracting", done: 1 },
      });
      expect(Number.isNaN(Date.parse(a.at))).toBe(false);
      expect(await bus.latestId()).toBe(b.id);
    });

    it("when listing after an id, then only later events of the requested projects come, up to the limit", async () => {
      const first = await bus.publish(event("prj_a"));
      await bus.publish(event("prj_b"));
      const third = await bus.publish(event("prj_a"));
      const fourth = await bus.publish(event("prj_a"));

      const afterFirst = await bus.list(first.id, ["prj_a"], 10);
      const limited = await bus.list(first.id, ["prj_a"], 1);
      const none = await bus.list(null, [], 10);

      expect(afterFirst.map((e) => e.id)).toEqual([third.id, fourth.id]);
      expect(limited.map((e) => e.id)).toEqual([third.id]);
      expect(none).toEqual([]);
    });

    it("when there are no events, then latestId is null and lists are empty", async () => {
      expect(await bus.latestId()).toBeNull();
      expect(await bus.list(null, ["prj_a"], 10)).toEqual([]);
    });

    it("when `after` is not an event id, then list fails with validation_failed", async () => {
      expect(await errorCodeOf(bus.list("abc", ["prj_a"], 10))).toBe("validation_failed");
    });

    it("when a watcher is registered, then it is called after a publish and not after it unsubscribes", async () => {
      let calls = 0;
      const stop = bus.watch(() => {
        calls++;
      });

      await bus.publish(event("prj_a"));
      await waitFor(() => calls > 0, 3000, "the watcher to be called");
      stop();
      const before = calls;
      await bus.publish(event("prj_a"));
      await delay(150);

      expect(calls).toBe(before);
    });

    it("when one watcher throws, then the others are still called", async () => {
      let called = false;
      const stopA = bus.watch(() => {
        throw new Error("listener bug");
      });
      const stopB = bus.watch(() => {
        called = true;
      });

      await bus.publish(event("prj_a"));
      await waitFor(() => called, 3000, "the second watcher");

      stopA();
      stopB();
      expect(called).toBe(true);
    });
  });
}
