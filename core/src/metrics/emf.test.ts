import { describe, expect, it } from "vitest";
import { DEFAULT_METRICS_NAMESPACE, queueDepthEmf } from "./emf.ts";

const counts = {
  document_processing: { queued: 21, active: 2, completed: 40, failed: 1 },
  indexing: { queued: 0, active: 0, completed: 38, failed: 0 },
  llm_generation: { queued: 7, active: 4, completed: 12, failed: 3 },
};

describe("queueDepthEmf", () => {
  it("when given the counts of the three queues, then writes one EMF line per queue with QueueDepth and FailedJobs", () => {
    const at = Date.UTC(2025, 0, 2, 3, 4, 5);

    const out = queueDepthEmf(counts, { namespace: DEFAULT_METRICS_NAMESPACE, timestamp: new Date(at) });

    const lines = out.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        _aws: {
          Timestamp: at,
          CloudWatchMetrics: [
            {
              Namespace: "AcademicAssist",
              Dimensions: [["Queue"]],
              Metrics: [
                { Name: "QueueDepth", Unit: "Count" },
                { Name: "FailedJobs", Unit: "Count" },
              ],
            },
          ],
        },
        Queue: "document_processing",
        QueueDepth: 21,
        FailedJobs: 1,
      },
      expect.objectContaining({ Queue: "indexing", QueueDepth: 0, FailedJobs: 0 }),
      expect.objectContaining({ Queue: "llm_generation", QueueDepth: 7, FailedJobs: 3 }),
    ]);
  });

  it("when read as CloudWatch does, then every metric named in the directive is a number at the top level", () => {
    const out = queueDepthEmf(counts, { namespace: "Custom/Ns", timestamp: 1_700_000_000_000 });

    for (const line of out.split("\n")) {
      const doc = JSON.parse(line);
      expect(line).not.toContain("\n");
      expect(doc._aws.Timestamp).toBe(1_700_000_000_000);
      const directive = doc._aws.CloudWatchMetrics[0];
      expect(directive.Namespace).toBe("Custom/Ns");
      for (const dims of directive.Dimensions) for (const d of dims) expect(typeof doc[d]).toBe("string");
      for (const m of directive.Metrics) expect(Number.isInteger(doc[m.Name])).toBe(true);
    }
  });

  it("when a queue is missing from the counts, then only the queues given are written", () => {
    const out = queueDepthEmf(
      { indexing: { queued: 5, failed: 0 } },
      { namespace: "AcademicAssist", timestamp: 0 },
    );

    expect(out.split("\n").map((l) => JSON.parse(l).Queue)).toEqual(["indexing"]);
    expect(queueDepthEmf({}, { namespace: "AcademicAssist", timestamp: 0 })).toBe("");
  });

  it("when a count or the timestamp is not a usable number, then it throws instead of writing a line CloudWatch would drop", () => {
    const opts = { namespace: "AcademicAssist", timestamp: 0 };

    expect(() => queueDepthEmf({ indexing: { queued: Number.NaN, failed: 0 } }, opts)).toThrow(
      /indexing\.queued/,
    );
    expect(() => queueDepthEmf({ indexing: { queued: 1, failed: -1 } }, opts)).toThrow(/indexing\.failed/);
    expect(() => queueDepthEmf(counts, { namespace: "", timestamp: 0 })).toThrow(/namespace/);
    expect(() => queueDepthEmf(counts, { namespace: "A", timestamp: new Date(Number.NaN) })).toThrow(
      /timestamp/,
    );
  });
});
