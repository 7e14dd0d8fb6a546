/**
 * Faults the production stack must survive (issue #3, "Bad input and faults it must survive"), end
 * to end: the server (SERVICE=all) and the worker as real processes on MongoDB, Redis (BullMQ and
 * events), Elasticsearch and S3 from the AA_TEST_* variables `npm run test:services` sets. Each
 * test starts its own backend on its own database, Redis prefix and search index prefix. Skipped,
 * with the reason printed, when the services are absent.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AcademicAssist } from "../../sdk/src/index.ts";
import { serviceUrl } from "../../core/src/testing/services.ts";
import { startTcpProxy, type TcpProxy } from "../../core/src/testing/tcp-proxy.ts";
import { startFakeOpenAiServer } from "../../core/src/testing/fake-openai-server.ts";
import type { FakeLlmServer } from "../../core/src/testing/fake-llm-server.ts";
import { scriptedNoteReply } from "../../core/src/testing/scripted-note-reply.ts";
import { corpusDir, startLocalBackend, waitFor, type LocalBackend } from "../testing/local-backend.ts";

const mongoUrl = serviceUrl("AA_TEST_MONGODB_URL", "production fault tests");

/** An 8-page ACL paper that no other service test uploads. */
const PAPER = path.join(corpusDir, "papers/P07-1088.pdf");

let run = 0;

/**
 * The production adapters' variables for one backend: MONGODB_URL through `mongoHost:mongoPort`
 * (a proxy the test can cut) with a database of its own, and Redis, Elasticsearch and S3 as the
 * runner started them, under prefixes of their own.
 */
function productionEnv(mongoHost: string, mongoPort: number): Record<string, string> {
  const tag = `faults${process.pid}x${Date.now().toString(36)}x${++run}`;
  const optional: Record<string, string | undefined> = {
    REDIS_URL: process.env.AA_TEST_REDIS_URL,
    ELASTICSEARCH_URL: process.env.AA_TEST_ELASTICSEARCH_URL,
    S3_ENDPOINT: process.env.AA_TEST_S3_ENDPOINT,
    S3_BUCKET_NAME: process.env.AA_TEST_S3_BUCKET,
    S3_REGION: process.env.AA_TEST_S3_REGION,
    AWS_ACCESS_KEY_ID: process.env.AA_TEST_S3_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AA_TEST_S3_SECRET_ACCESS_KEY,
  };
  const env: Record<string, string> = {
    SERVICE: "all",
    MONGODB_URL: `mongodb://${mongoHost}:${mongoPort}/aa_${tag}`,
    REDIS_PREFIX: `aa-${tag}`,
    SEARCH_INDEX_PREFIX: `aa-${tag}`,
  };
  for (const [k, v] of Object.entries(optional)) if (v) env[k] = v;
  return env;
}

/** host and port of `mongodb://host:port/`. */
function mongoAddress(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port || 27017) };
}

const elapsedSince = (t0: number) => Date.now() - t0;

describe.skipIf(!mongoUrl)("production stack faults (server and worker processes)", () => {
  let backend: LocalBackend | undefined;
  let proxy: TcpProxy | undefined;
  let fake: FakeLlmServer | undefined;

  afterEach(async () => {
    await backend?.stop();
    await proxy?.close();
    await fake?.close();
    backend = proxy = fake = undefined;
  });

  it("when MongoDB becomes unreachable, then the API answers 503 problem+json quickly and /readyz names it, and both recover without a restart", async () => {
    const target = mongoAddress(mongoUrl!);
    proxy = await startTcpProxy(target.port, target.host);
    backend = await startLocalBackend(productionEnv("127.0.0.1", proxy.port));
    const { url, token, projectId } = backend;
    const serverPid = backend.server.pid;
    const workerPid = backend.worker.pid;
    const listDocuments = () =>
      fetch(`${url}/api/v1/projects/${projectId}/documents`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const readyz = async () => {
      const res = await fetch(`${url}/readyz`);
      const body = (await res.json()) as { dependencies: Record<string, { status: string }> };
      return { status: res.status, dependencies: body.dependencies };
    };
    const before = await listDocuments();

    await proxy.cut();
    // The first call finds its pooled connection reset; the second one has to find a server again.
    const down = [];
    for (let i = 0; i < 2; i++) {
      const t0 = Date.now();
      const res = await listDocuments();
      const body = (await res.json()) as { code: string; status: number };
      down.push({ status: res.status, type: res.headers.get("content-type"), body, ms: elapsedSince(t0) });
    }
    const readyDown = await readyz();
    await proxy.restore();
    const t1 = Date.now();
    const up = await waitFor(
      async () => {
        const res = await listDocuments();
        return res.status === 200 ? res : null;
      },
      20_000,
      "the API to answer 200 again",
    );
    const recoveredMs = elapsedSince(t1);
    const readyUp = await readyz();
    console.log(
      `MongoDB cut: 503 after ${down.map((d) => `${d.ms} ms`).join(", then ")}; 200 again ${recoveredMs} ms after restore`,
    );

    expect(before.status).toBe(200);
    for (const d of down) {
      expect(d.status).toBe(503);
      expect(d.type).toContain("application/problem+json");
      expect(d.body.code).toBe("service_unavailable");
      expect(d.body.status).toBe(503);
      expect(d.ms).toBeLessThan(3500);
    }
    expect(readyDown.status).toBe(503);
    expect(readyDown.dependencies.metadata!.status).toBe("error");
    expect(readyDown.dependencies.queue!.status).toBe("ok");
    expect(readyDown.dependencies.search!.status).toBe("ok");
    expect(up.status).toBe(200);
    expect(readyUp.status).toBe(200);
    // The same processes served throughout: nothing was restarted.
    expect(backend.server.pid).toBe(serverPid);
    expect(backend.server.exitCode).toBeNull();
    expect(backend.worker.pid).toBe(workerPid);
    expect(backend.worker.exitCode).toBeNull();
  }, 120_000);

  it("when the worker is SIGKILLed after the model's answer and before the note is stored, then one rerun stores exactly one note and counts its usage once", async () => {
    let killed = false;
    // The model answers every call in full. The first time, once that complete answer has been
    // handed to the OS (the provider has delivered, and billed, it), the worker is SIGKILLed: the
    // kill lands after the LLM call and before the note is written, because storing needs at
    // least a MongoDB round trip after parsing, checking and rendering. That the kill really came
    // before the write is asserted below: a stored note would make the rerun return without
    // calling the model, so a second call proves the note was not stored yet.
    fake = await startFakeOpenAiServer({
      script: (request) => ({
        kind: "text",
        text: scriptedNoteReply(request),
        ...(killed
          ? {}
          : {
              onSent: () => {
                killed = true;
                backend?.worker.kill("SIGKILL");
              },
            }),
      }),
    });
    backend = await startLocalBackend({
      ...productionEnv(mongoAddress(mongoUrl!).host, mongoAddress(mongoUrl!).port),
      LLM_PROVIDER: "openai-compatible",
      OPENAI_BASE_URL: `${fake.url}/v1`,
      OPENAI_API_KEY: "sk-openai-test",
      OPENAI_MODEL: "gpt-test",
      LLM_MAX_RETRIES: "0",
      // The whole paper in one map call, so that the call the worker dies after is the note's
      // last (and only) one: nothing but storing is left to do when it dies.
      LLM_CHUNK_TOKENS: "200000",
      LLM_CONCURRENCY: "1",
    });
    const client = new AcademicAssist({ baseURL: backend.url, apiKey: backend.token, maxRetries: 0 });
    const { projectId } = backend;
    const upload = await client.documents.upload(projectId, new Blob([readFileSync(PAPER)]), {
      filename: "P07-1088.pdf",
    });
    const doc = await client.documents.waitUntilDone(upload.document.id, { timeout: 120_000 });
    expect(doc.status).toBe("ready");
    const worker = backend.worker;
    const workerExited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));

    const created = await client.notes.create(doc.id, { template: "summary" });
    await workerExited;
    const afterKill = await client.notes.retrieve(created.note.id);
    await backend.restartWorker();
    const note = await client.notes.waitUntilDone(created.note.id, { timeout: 120_000 });
    const job = await client.jobs.retrieve(created.job!.id);
    const notes = [];
    for await (const n of client.notes.list({ projectId, documentId: doc.id, limit: 100 })) notes.push(n);
    const jobs = [];
    for await (const j of client.jobs.list({ projectId, limit: 100 }))
      if (j.queue === "llm_generation") jobs.push(j);
    const usage = await client.usage.retrieve({ projectId });
    const oneCallTokens = Math.ceil(fake.requests[0]!.prompt.length / 4);

    expect(killed).toBe(true);
    expect(worker.signalCode).toBe("SIGKILL");
    expect(afterKill.status).not.toBe("ready");
    expect(note.status).toBe("ready");
    expect(note.markdown).toMatch(/\[p\. \d+\]/);
    // The rerun called the model again (so the note had not been stored), once.
    expect(fake.requests).toHaveLength(2);
    expect(notes.map((n) => n.id)).toEqual([note.id]);
    expect(jobs.map((j) => j.id)).toEqual([created.job!.id]);
    expect(job.status).toBe("completed");
    expect(job.attempts).toBe(2);
    expect(usage.project?.notes).toBe(1);
    expect(usage.user.notes).toBe(1);
    expect(usage.user.inputTokens).toBe(oneCallTokens);
  }, 240_000);
});
