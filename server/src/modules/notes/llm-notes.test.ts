/**
 * Note generation through the API and the worker with LLM_PROVIDER=anthropic, the SDK pointed at a
 * local server speaking the Anthropic Messages API (fake-anthropic-server), scripted per test.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  scriptedNoteReply,
  startFakeAnthropicServer,
  type FakeLlmServer,
} from "@academic-assist/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, eventually, json, startApi, type TestApi } from "../../../test/harness.ts";

describe("notes with Anthropic (fake-anthropic-server)", () => {
  let api: TestApi;
  let fake: FakeLlmServer;
  let token: string;
  let documentId: string;

  const generate = async (template = "summary") => {
    const res = await api.call("POST", `/api/v1/documents/${documentId}/notes`, {
      token,
      // Each test scripts a new provider behaviour: never serve an earlier test's note from the cache.
      json: { template, cache: false },
    });
    expect(res.status).toBe(202);
    const { note } = await json(res);
    return eventually(
      async () => {
        const n = await json(await api.call("GET", `/api/v1/notes/${note.id}`, { token }));
        return n.status === "pending" ? null : n;
      },
      60_000,
      "note",
    );
  };

  beforeAll(async () => {
    fake = await startFakeAnthropicServer();
    api = await startApi({
      LLM_PROVIDER: "anthropic",
      ANTHROPIC_API_KEY: "sk-ant-test",
      ANTHROPIC_MODEL: "claude-sonnet-4-6",
      ANTHROPIC_BASE_URL: fake.url,
      LLM_MAX_RETRIES: "1",
      LLM_JOB_MAX_ATTEMPTS: "2",
      LLM_TIMEOUT_S: "2",
    });
    api.startWorker();
    token = (await api.signUp()).token;
    const project = await json(await api.call("POST", "/api/v1/projects", { token, json: { name: "LLM" } }));
    const up = await json(
      await api.call("POST", `/api/v1/projects/${project.id}/documents?filename=test2.pdf`, {
        token,
        body: readFileSync(path.join(CORPUS, "papers/test2.pdf")),
        headers: { "content-type": "application/pdf" },
      }),
    );
    documentId = up.document.id;
    await eventually(
      async () =>
        (await json(await api.call("GET", `/api/v1/documents/${documentId}`, { token }))).status === "ready",
      120_000,
      "document ready",
    );
  }, 180_000);
  afterAll(async () => {
    await api.close();
    await fake.close();
  });

  it("when the model answers (after one 429), then the note is ready with provider, model, tokens and cost", async () => {
    fake.script((r, i) =>
      i === 0
        ? { kind: "error", status: 429, headers: { "retry-after": "0" } }
        : { kind: "text", text: scriptedNoteReply(r) },
    );

    const note = await generate();

    expect(note.status).toBe("ready");
    expect(note.generator).toEqual({ provider: "anthropic", model: "claude-sonnet-4-6" });
    expect(note.markdown).toMatch(/^provider: "anthropic"$/m);
    expect(note.markdown).toMatch(/^tokens_in: [1-9]\d*$/m);
    expect(note.markdown).toMatch(/^cost_usd: 0\.\d+$/m);
    expect(note.citations.verified / note.citations.total).toBeGreaterThanOrEqual(0.95);
  });

  it("when the provider answers 500 until the attempts run out, then the note fails with a readable reason and no text", async () => {
    fake.script(() => ({ kind: "error", status: 500, message: "internal" }));

    const note = await generate();

    expect(note.status).toBe("failed");
    expect(note.markdown).toBe("");
    expect(note.error.code).toBe("llm_unavailable");
    expect(note.error.detail).toMatch(/anthropic is overloaded or failing \(HTTP 500\)/);
  });

  it("when the stream is cut halfway, then the note fails and nothing partial is kept", async () => {
    fake.script((r) => ({ kind: "cut", text: scriptedNoteReply(r), afterDeltas: 3 }));

    const note = await generate();

    expect(note.status).toBe("failed");
    expect(note.markdown).toBe("");
    expect(note.error.detail).toMatch(/stream ended before it was complete/);
  });

  it("when the model never answers, then the note fails with the timeout named", async () => {
    fake.script(() => ({ kind: "hang" }));

    const note = await generate();

    expect(note.status).toBe("failed");
    expect(note.error.detail).toMatch(/did not answer within 2 s/);
  }, 60_000);

  it("when the model keeps answering invalid JSON, then the note fails saying so", async () => {
    fake.script(() => ({ kind: "text", text: "Here is your note: it is great." }));

    const note = await generate();

    expect(note.status).toBe("failed");
    expect(note.error.code).toBe("llm_invalid_output");
    expect(note.error.detail).toMatch(/not valid JSON/);
  });
});

describe("notes with a wrong Anthropic key (fake-anthropic-server)", () => {
  it("when the key is rejected, then the note fails once with llm_misconfigured and the key is not shown", async () => {
    const fake = await startFakeAnthropicServer({ apiKey: "sk-ant-right" });
    const api = await startApi({
      LLM_PROVIDER: "anthropic",
      ANTHROPIC_API_KEY: "sk-ant-wrong-secret",
      ANTHROPIC_BASE_URL: fake.url,
    });
    try {
      api.startWorker();
      const { token } = await api.signUp();
      const project = await json(await api.call("POST", "/api/v1/projects", { token, json: { name: "K" } }));
      const up = await json(
        await api.call("POST", `/api/v1/projects/${project.id}/documents?filename=test2.pdf`, {
          token,
          body: readFileSync(path.join(CORPUS, "papers/test2.pdf")),
          headers: { "content-type": "application/pdf" },
        }),
      );
      await eventually(
        async () =>
          (await json(await api.call("GET", `/api/v1/documents/${up.document.id}`, { token }))).status ===
          "ready",
        120_000,
      );

      const { note, job } = await json(
        await api.call("POST", `/api/v1/documents/${up.document.id}/notes`, { token, json: {} }),
      );
      const failed = await eventually(async () => {
        const n = await json(await api.call("GET", `/api/v1/notes/${note.id}`, { token }));
        return n.status === "failed" ? n : null;
      });
      const finishedJob = await json(await api.call("GET", `/api/v1/jobs/${job.id}`, { token }));

      expect(failed.error.code).toBe("llm_misconfigured");
      expect(failed.error.detail).toMatch(/rejected the API key \(HTTP 401\)/);
      expect(JSON.stringify(failed)).not.toContain("sk-ant-wrong-secret");
      expect(finishedJob.attempts).toBe(1);
    } finally {
      await api.close();
      await fake.close();
    }
  }, 180_000);
});
