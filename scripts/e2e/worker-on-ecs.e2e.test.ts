/**
 * The worker process as ECS runs it: ECS_AGENT_URI points at a local server speaking the ECS
 * container agent's task-protection wire format (worker/src/testing/fake-ecs-agent.ts — the real agent exists
 * only inside a task), WORKER_METRICS_PORT serves the /healthz the container health check calls.
 * A real corpus PDF goes through the real server and worker (local mode, SQLite queue).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  corpusDir,
  freePort,
  startLocalBackend,
  waitFor,
  type LocalBackend,
} from "../testing/local-backend.ts";
import { startFakeEcsAgent, type FakeEcsAgent } from "../../worker/src/testing/fake-ecs-agent.ts";

const PDF = path.join(corpusDir, "papers/P07-1088.pdf");
const missing = !existsSync(PDF);
if (missing) console.warn(`worker-on-ecs: skipped, ${PDF} is absent (the shared corpus is not here)`);

describe.skipIf(missing)("worker on ECS: health check and scale-in protection (fake ECS agent)", () => {
  let agent: FakeEcsAgent;
  let backend: LocalBackend;
  let healthz: string;

  beforeAll(async () => {
    agent = await startFakeEcsAgent();
    const metricsPort = await freePort();
    healthz = `http://127.0.0.1:${metricsPort}/healthz`;
    backend = await startLocalBackend({
      ECS_AGENT_URI: agent.agentUri,
      WORKER_METRICS_PORT: String(metricsPort),
      WORKER_PROCESSING_CONCURRENCY: "1",
      WORKER_TASK_PROTECTION_MINUTES: "15",
      WORKER_DRAIN_TIMEOUT_S: "20",
      LOG_LEVEL: "info",
    });
    await waitFor(async () => (await fetch(healthz)).ok, 60_000, "worker /healthz 200");
  }, 120_000);

  afterAll(async () => {
    await backend.stop();
    await agent.close();
  });

  it("when the worker is idle and its queue answers, then /healthz is 200 and the task is not protected", async () => {
    const res = await fetch(healthz);

    expect(res.status).toBe(200);
    expect(agent.requests).toEqual([]);
    expect(agent.protectionEnabled).toBe(false);
  });

  it("when a paper is processed, then the task is protected while the jobs run and unprotected once idle", async () => {
    const upload = await fetch(
      `${backend.url}/api/v1/projects/${backend.projectId}/documents?filename=P07-1088.pdf`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${backend.token}`, "content-type": "application/pdf" },
        body: readFileSync(PDF),
      },
    );
    expect(upload.status).toBe(202);
    const { document } = (await upload.json()) as { document: { id: string } };

    await waitFor(
      async () => {
        const res = await fetch(`${backend.url}/api/v1/documents/${document.id}`, {
          headers: { authorization: `Bearer ${backend.token}` },
        });
        const doc = (await res.json()) as { status: string };
        if (doc.status === "failed") throw new Error("document failed");
        return doc.status === "ready";
      },
      90_000,
      "document ready",
    );
    await waitFor(() => !agent.protectionEnabled, 10_000, "protection cleared");

    const puts = agent.requests.filter((r) => r.method === "PUT").map((r) => r.body);
    expect(puts[0]).toEqual({ ProtectionEnabled: true, ExpiresInMinutes: 15 });
    expect(puts.at(-1)).toEqual({ ProtectionEnabled: false });
    expect(agent.protectionEnabled).toBe(false);
  });

  it("when the worker gets SIGTERM, then it drains, stops answering /healthz and exits 0", async () => {
    const worker = backend.worker;
    const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)));

    worker.kill("SIGTERM");
    const code = await exited;

    expect(code).toBe(0);
    expect(worker.output.join("")).toMatch(/"msg":"draining"/);
    await expect(fetch(healthz)).rejects.toThrow();
  });
});
