/**
 * The split topology end to end, as a team deploys it: six server processes (gateway, auth,
 * project, document, llm, note) and a worker, each its own `node --import tsx` process on a
 * loopback port, driven through the gateway with the SDK on a real corpus paper. Shared by the
 * embedded variant (split-topology.test.ts: one DATA_DIR, SQLite in WAL mode) and the production
 * stack variant (split-topology.services.test.ts: MongoDB, Redis, Elasticsearch, S3).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcademicAssist, type Event } from "../../sdk/src/index.ts";
import { sample } from "../../core/src/testing/prometheus.ts";
import { corpusDir, startSplitTopology, waitFor, type SplitTopology } from "../testing/local-backend.ts";

/** A 4-page born-digital paper (CERMINE's test1): quick to process, real text and structure. */
const PAPER = path.join(corpusDir, "papers/test1.pdf");

/** Registers the suite; `env` is passed to every process (empty: embedded mode). */
export function describeSplitTopology(name: string, env: Record<string, string> | undefined): void {
  describe.skipIf(!env)(name, () => {
    let topology: SplitTopology;
    let client: AcademicAssist;
    let documentId: string;
    const started = Date.now();

    beforeAll(async () => {
      topology = await startSplitTopology(env);
      client = new AcademicAssist({ baseURL: topology.url, apiKey: topology.token, maxRetries: 0 });
    }, 120_000);

    afterAll(async () => {
      await topology?.stop();
      console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s including start and stop`);
    });

    it("when a paper is uploaded through the gateway, then it is processed, searchable and noted with page citations", async () => {
      const controller = new AbortController();
      const events: Event[] = [];
      const stream = client.events.stream({ projectId: topology.projectId, signal: controller.signal });
      const listening = (async () => {
        try {
          for await (const e of stream) events.push(e);
        } catch {
          // aborted below
        }
      })();
      await new Promise((r) => setTimeout(r, 300));

      const upload = await client.documents.upload(topology.projectId, new Blob([readFileSync(PAPER)]), {
        filename: "test1.pdf",
      });
      documentId = upload.document.id;
      const doc = await client.documents.waitUntilDone(documentId, { timeout: 120_000 });
      const hits = await client.search.query({
        q: "thrombosis prophylaxis",
        projectId: topology.projectId,
        limit: 5,
      });
      const created = await client.notes.create(documentId, { template: "summary" });
      const note = await client.notes.waitUntilDone(created.note.id, { timeout: 120_000 });
      controller.abort();
      await listening;

      expect(upload.job).not.toBeNull();
      expect(doc.status).toBe("ready");
      expect(doc.pageCount).toBe(4);
      expect(hits.items.length).toBeGreaterThan(0);
      expect(hits.items[0]!.documentId).toBe(documentId);
      expect(note.status).toBe("ready");
      expect(note.markdown).toMatch(/\[p\. [1-4]\]/);
      expect(note.citations?.verified).toBeGreaterThan(0);
      expect(note.citations?.verified).toBe(note.citations?.total);
      // The SSE stream through the gateway delivered the document's progress while it happened.
      expect(events.some((e) => e.documentId === documentId && e.type === "document.status")).toBe(true);
    }, 240_000);

    it("when requests and jobs have run, then the gateway, the role and the worker export them on /metrics", async () => {
      const route = { route: "/api/v1/projects/:projectId/documents", method: "POST" };
      const scrape = async (url: string) => (await fetch(url)).text();
      const [gateway, document, worker] = await Promise.all([
        scrape(`${topology.url}/metrics`),
        scrape(`${topology.roleUrls.document}/metrics`),
        scrape(topology.workerMetricsUrl),
      ]);

      expect(sample(gateway, "http_request_duration_seconds_count", route)).toBeGreaterThanOrEqual(1);
      expect(sample(document, "http_request_duration_seconds_count", route)).toBeGreaterThanOrEqual(1);
      expect(sample(gateway, "academic_assist_up", { service: "gateway" })).toBe(1);
      expect(
        sample(worker, "academic_assist_job_duration_seconds_count", {
          queue: "document_processing",
          outcome: "completed",
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(worker, "academic_assist_job_duration_seconds_count", {
          queue: "llm_generation",
          outcome: "completed",
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(worker, "academic_assist_queue_jobs", { queue: "indexing", status: "completed" }),
      ).toBeGreaterThanOrEqual(1);
      expect(sample(worker, "process_resident_memory_bytes")).toBeGreaterThan(0);
    });

    it("when a request has no token, then the gateway answers 401 and the role never logs it", async () => {
      const res = await fetch(`${topology.url}/api/v1/documents/${documentId}`, {
        headers: { "x-request-id": "e2e-no-token" },
      });

      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(topology.roles.document.output.join("")).not.toContain("e2e-no-token");
    });

    it("when a client forges the identity header, then the gateway ignores it and a role rejects it", async () => {
      const forged = `v1.${Buffer.from(JSON.stringify({ user: { id: "usr_x" }, exp: Date.now() + 10_000 })).toString("base64url")}.AAAA`;

      const atGateway = await fetch(`${topology.url}/api/v1/auth/me`, {
        headers: { "x-academic-assist-identity": forged },
      });
      const atRole = await fetch(`${topology.roleUrls.auth}/api/v1/auth/me`, {
        headers: { "x-academic-assist-identity": forged },
      });

      expect(atGateway.status).toBe(401);
      expect(atRole.status).toBe(401);
    });

    it("when the client sends a request id, then the role service answers and logs with it", async () => {
      const res = await fetch(`${topology.url}/api/v1/documents/doc_nosuchdocument`, {
        headers: { authorization: `Bearer ${topology.token}`, "x-request-id": "e2e-trace-42" },
      });
      const body = (await res.json()) as { requestId: string };

      expect(res.status).toBe(404);
      expect(res.headers.get("x-request-id")).toBe("e2e-trace-42");
      expect(body.requestId).toBe("e2e-trace-42");
      // 4xx answers are logged at warn: the document role's own log carries the gateway's id.
      await waitFor(
        () => topology.roles.document.output.join("").includes("e2e-trace-42"),
        5000,
        "the document role's log line",
      );
    });

    // Last: it stops a role for good.
    it("when a role is down, then its routes answer 503 problem+json quickly and the gateway is not ready", async () => {
      await topology.stopRole("llm");

      const t0 = Date.now();
      const res = await fetch(`${topology.url}/api/v1/templates`, {
        headers: { authorization: `Bearer ${topology.token}` },
      });
      const elapsed = Date.now() - t0;
      const body = (await res.json()) as { code: string };
      const ready = await fetch(`${topology.url}/readyz`);
      const readiness = (await ready.json()) as { dependencies: Record<string, { status: string }> };
      const others = await client.documents.retrieve(documentId);

      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(body.code).toBe("service_unavailable");
      expect(elapsed).toBeLessThan(3500);
      expect(ready.status).toBe(503);
      expect(readiness.dependencies["upstream:llm"]!.status).toBe("error");
      expect(readiness.dependencies["upstream:document"]!.status).toBe("ok");
      expect(others.status).toBe("ready");
    });
  });
}
