import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, eventually, json, startApi, type TestApi } from "../../../test/harness.ts";
import { prometheusSample as sample } from "@academic-assist/core/testing";

describe("readiness and metrics", () => {
  let api: TestApi;
  let token: string;
  let projectId: string;
  const scrape = async () => (await api.call("GET", "/metrics")).text();

  beforeAll(async () => {
    api = await startApi();
    ({ token } = await api.signUp());
    projectId = (await json(await api.call("POST", "/api/v1/projects", { token, json: { name: "M" } }))).id;
  });

  afterAll(async () => {
    await api.close();
  });

  it("when every store answers, then /readyz is 200 and names each dependency with its latency", async () => {
    const res = await api.call("GET", "/readyz");
    const body = await json(res);

    expect(res.status).toBe(200);
    expect(body.status).toBe("ready");
    expect(Object.keys(body.dependencies).sort()).toEqual(["blobs", "events", "metadata", "queue", "search"]);
    for (const dep of Object.values<{ status: string; latencyMs: number }>(body.dependencies)) {
      expect(dep.status).toBe("ok");
      expect(typeof dep.latencyMs).toBe("number");
    }
    expect(body.checks).toEqual({ metadata: "up", blobs: "up", queue: "up", search: "up", events: "up" });
  });

  it("when requests are made, then the request counter of that route grows by as many", async () => {
    const labels = { method: "GET", route: "/api/v1/projects/:projectId", status: "200" };
    const before = sample(await scrape(), "http_request_duration_seconds_count", labels);

    for (let i = 0; i < 3; i++) await api.call("GET", `/api/v1/projects/${projectId}`, { token });
    const after = await scrape();

    expect(sample(after, "http_request_duration_seconds_count", labels) - before).toBe(3);
    expect(sample(after, "http_request_duration_seconds_bucket", { ...labels, le: "+Inf" })).toBe(
      sample(after, "http_request_duration_seconds_count", labels),
    );
  });

  it("when a document is queued and then processed, then the queue depth series show it waiting and then done", async () => {
    const upload = await api.call("POST", `/api/v1/projects/${projectId}/documents?filename=paper.pdf`, {
      token,
      body: readFileSync(path.join(CORPUS, "papers/test1.pdf")),
      headers: { "content-type": "application/pdf" },
    });
    const waiting = await scrape();
    api.startWorker();
    const documentId = (await json(upload)).document.id;
    await eventually(
      async () =>
        (await json(await api.call("GET", `/api/v1/documents/${documentId}`, { token }))).status === "ready",
      120_000,
      "document ready",
    );
    const done = await scrape();

    expect(upload.status).toBe(202);
    expect(
      sample(waiting, "academic_assist_queue_jobs", { queue: "document_processing", status: "queued" }),
    ).toBe(1);
    expect(
      sample(done, "academic_assist_queue_jobs", { queue: "document_processing", status: "queued" }),
    ).toBe(0);
    expect(
      sample(done, "academic_assist_queue_jobs", { queue: "document_processing", status: "completed" }),
    ).toBe(1);
    expect(sample(done, "academic_assist_queue_jobs", { queue: "indexing", status: "completed" })).toBe(1);
  }, 180_000);

  it("when /metrics is scraped, then memory and event-loop lag of the process are there", async () => {
    const text = await scrape();

    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(sample(text, "academic_assist_up", { service: "all" })).toBe(1);
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
  });

  // Last: it closes the search index for good.
  it("when a store stops answering, then /readyz is 503 and names it, the others still ok", async () => {
    await api.app.search.close();

    const res = await api.call("GET", "/readyz");
    const body = await json(res);

    expect(res.status).toBe(503);
    expect(body.status).toBe("unavailable");
    expect(body.dependencies.search.status).toBe("error");
    expect(body.dependencies.search.error).toEqual(expect.any(String));
    expect(body.dependencies.metadata.status).toBe("ok");
    expect(body.checks.search).toBe("down");
  });
});
