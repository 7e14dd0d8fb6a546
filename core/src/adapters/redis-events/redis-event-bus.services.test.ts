import { describe, expect, it } from "vitest";
import { describeEventBus } from "../../ports/contracts/event-bus.contract.ts";
import { errorCodeOf, waitFor } from "../../ports/contracts/contract-helpers.ts";
import { serviceUrl } from "../../testing/services.ts";
import { dropPrefix, freshPrefix } from "../redis/redis-test-helpers.ts";
import { openRedisEventBus } from "./redis-event-bus.ts";

const url = serviceUrl("AA_TEST_REDIS_URL", "BullMQ/Redis adapters");

const event = {
  type: "job.completed",
  projectId: "prj_a",
  documentId: null,
  jobId: "job_1",
  noteId: null,
  data: {},
} as const;

describe.skipIf(!url)("RedisEventBus", () => {
  const redisUrl = url!;

  describeEventBus(async () => {
    const prefix = freshPrefix("events");
    const adapter = await openRedisEventBus({ url: redisUrl, prefix });
    return {
      adapter,
      cleanup: async () => {
        await adapter.close();
        await dropPrefix(redisUrl, prefix);
      },
    };
  });

  it("when another process publishes, then a watcher here is called and can read the event", async () => {
    const prefix = freshPrefix("events");
    const server = await openRedisEventBus({ url: redisUrl, prefix });
    const worker = await openRedisEventBus({ url: redisUrl, prefix });
    let calls = 0;
    const stop = server.watch(() => calls++);
    await waitFor(() => calls > 0, 3000, "the subscription");
    calls = 0;

    const published = await worker.publish(event);
    await waitFor(() => calls > 0, 3000, "the cross-connection watcher");

    expect(await server.latestId()).toBe(published.id);
    expect(await server.list(null, ["prj_a"], 10)).toEqual([published]);
    stop();
    await server.close();
    await worker.close();
    await dropPrefix(redisUrl, prefix);
  });

  it("when a project has more events than are kept, then the oldest are trimmed but ids keep growing", async () => {
    const prefix = freshPrefix("events");
    const bus = await openRedisEventBus({ url: redisUrl, prefix, maxEventsPerProject: 3 });
    const published = [];
    for (let i = 0; i < 5; i++) published.push(await bus.publish({ ...event, data: { i } }));

    const kept = await bus.list(null, ["prj_a"], 10);

    expect(kept.map((e) => e.data)).toEqual([{ i: 2 }, { i: 3 }, { i: 4 }]);
    expect(await bus.latestId()).toBe(published[4]!.id);
    await bus.close();
    await dropPrefix(redisUrl, prefix);
  });

  it("when the bus is closed, then publishing fails with service_unavailable", async () => {
    const prefix = freshPrefix("events");
    const bus = await openRedisEventBus({ url: redisUrl, prefix });
    await bus.close();

    expect(await errorCodeOf(bus.publish(event))).toBe("service_unavailable");
  });
});
