import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createContext, createLogger, type AppContext } from "@academic-assist/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prometheusSample as sample } from "@academic-assist/core/testing";
import { parseWorkerConfig } from "./config.ts";
import { JobMetrics, startMetricsServer } from "./metrics.ts";

describe("worker metrics listener", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "aa-worker-metrics-"));
  let app: AppContext;
  let server: { url: string; close(): Promise<void> };
  const metrics = new JobMetrics();
  let alive = true;

  beforeAll(async () => {
    app = await createContext(
      parseWorkerConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", NODE_ENV: "test" }),
      createLogger({ name: "test", level: "silent" }),
    );
    server = await startMetricsServer(app, metrics, { port: 0, host: "127.0.0.1", alive: () => alive });
  });

  afterAll(async () => {
    await server.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("when jobs have run, then /metrics shows their durations per queue and outcome, and the queue depth", async () => {
    await app.queue.enqueue(
      "indexing",
      { documentId: "doc_1" },
      {
        idempotencyKey: "k1",
        projectId: "prj_1",
      },
    );
    metrics.observe("document_processing", "completed", 1.7);
    metrics.observe("document_processing", "completed", 42);
    metrics.observe("llm_generation", "failed", 0.2);

    const text = await (await fetch(`${server.url}/metrics`)).text();

    const dp = { queue: "document_processing", outcome: "completed" };
    expect(sample(text, "academic_assist_job_duration_seconds_count", dp)).toBe(2);
    expect(sample(text, "academic_assist_job_duration_seconds_sum", dp)).toBeCloseTo(43.7);
    expect(sample(text, "academic_assist_job_duration_seconds_bucket", { ...dp, le: "2.5" })).toBe(1);
    expect(sample(text, "academic_assist_job_duration_seconds_bucket", { ...dp, le: "60" })).toBe(2);
    expect(
      sample(text, "academic_assist_job_duration_seconds_count", {
        queue: "llm_generation",
        outcome: "failed",
      }),
    ).toBe(1);
    expect(sample(text, "academic_assist_queue_jobs", { queue: "indexing", status: "queued" })).toBe(1);
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("when /healthz or an unknown path is asked, then 200 and 404", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it("when the worker is no longer alive (queue silent, consumers stopped, draining), then /healthz answers 503 and /metrics still answers", async () => {
    alive = false;

    const health = await fetch(`${server.url}/healthz`);
    const scrape = await fetch(`${server.url}/metrics`);
    alive = true;

    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: "unavailable" });
    expect(scrape.status).toBe(200);
  });
});
