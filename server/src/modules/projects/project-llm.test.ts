/**
 * A project's own LLM provider (issue 5, item 1: "LLM_PROVIDER picks the default; a project may
 * override it"). The server runs with the offline default and has OPENAI_BASE_URL pointing at a
 * local server speaking the OpenAI wire format; Anthropic is not configured at all.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { scriptedNoteReply, startFakeOpenAiServer, type FakeLlmServer } from "@academic-assist/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, eventually, json, startApi, type TestApi } from "../../../test/harness.ts";

const OPENAI_KEY = "sk-openai-test";
const LOCAL = { provider: "openai-compatible", model: "llama3.1:8b" } as const;
const QUESTION = "What do patients think about GP surgeries providing rehabilitation programmes?";

describe("a project's own LLM provider (default extractive, fake OpenAI-compatible server)", () => {
  let api: TestApi;
  let fake: FakeLlmServer;
  let owner: string;
  let editor: string;
  let stranger: string;
  let local: { projectId: string; documentId: string };
  let offline: { projectId: string; documentId: string };

  const patch = (projectId: string, body: unknown, token = owner) =>
    api.call("PATCH", `/api/v1/projects/${projectId}`, { token, json: body });
  const project = async (projectId: string) =>
    json(await api.call("GET", `/api/v1/projects/${projectId}`, { token: owner }));
  const library = async (name: string, llm?: unknown) => {
    const created = await json(
      await api.call("POST", "/api/v1/projects", { token: owner, json: { name, llm } }),
    );
    const up = await json(
      await api.call("POST", `/api/v1/projects/${created.id}/documents?filename=test2.pdf`, {
        token: owner,
        body: readFileSync(path.join(CORPUS, "papers/test2.pdf")),
        headers: { "content-type": "application/pdf" },
      }),
    );
    return { projectId: created.id as string, documentId: up.document.id as string };
  };
  const generate = async (documentId: string) => {
    const res = await api.call("POST", `/api/v1/documents/${documentId}/notes`, {
      token: owner,
      json: { template: "summary", cache: false },
    });
    expect(res.status).toBe(202);
    const { note } = await json(res);
    return eventually(
      async () => {
        const n = await json(await api.call("GET", `/api/v1/notes/${note.id}`, { token: owner }));
        return n.status === "pending" ? null : n;
      },
      60_000,
      "note",
    );
  };
  const estimate = async (documentId: string) =>
    json(
      await api.call("POST", `/api/v1/documents/${documentId}/notes/estimate`, {
        token: owner,
        json: { template: "summary" },
      }),
    );

  beforeAll(async () => {
    fake = await startFakeOpenAiServer({
      apiKey: OPENAI_KEY,
      // Note map calls carry page-tagged passages; ask calls carry numbered ones.
      script: (r) => ({
        kind: "text",
        text: r.prompt.includes("<passage pages=")
          ? scriptedNoteReply(r)
          : "Participants felt GP surgeries lacked space and facilities [P1 p. 4].",
      }),
    });
    api = await startApi({
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: `${fake.url}/v1`,
      LLM_MAX_RETRIES: "0",
      LLM_JOB_MAX_ATTEMPTS: "1",
    });
    api.startWorker();
    owner = (await api.signUp()).token;
    const editorEmail = `editor-${process.pid}-${Date.now()}@example.org`;
    editor = (await api.signUp(editorEmail)).token;
    stranger = (await api.signUp()).token;
    local = await library("Local model", LOCAL);
    offline = await library("Offline");
    await api.call("POST", `/api/v1/projects/${local.projectId}/members`, {
      token: owner,
      json: { email: editorEmail, role: "editor" },
    });
    for (const id of [local.documentId, offline.documentId]) {
      await eventually(
        async () =>
          (await json(await api.call("GET", `/api/v1/documents/${id}`, { token: owner }))).status === "ready",
        120_000,
        "document ready",
      );
    }
  }, 240_000);
  afterAll(async () => {
    await api.close();
    await fake.close();
  });

  it("when a project is created with a provider, then the project shows it and others show the default (null)", async () => {
    const chosen = await project(local.projectId);
    const other = await project(offline.projectId);

    expect(chosen.llm).toEqual(LOCAL);
    expect(other.llm).toBeNull();
  });

  it("when the overridden project generates a note, then it is written by its model through the local server", async () => {
    const before = fake.requests.length;

    const note = await generate(local.documentId);

    expect(note.status).toBe("ready");
    expect(note.generator).toEqual(LOCAL);
    expect(note.markdown).toMatch(/^provider: "openai-compatible"$/m);
    expect(note.markdown).toMatch(/^model: "llama3\.1:8b"$/m);
    const sent = fake.requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.body.model === "llama3.1:8b")).toBe(true);
  });

  it("when a project on the default generates a note, then it stays extractive and nothing reaches the local server", async () => {
    const before = fake.requests.length;

    const note = await generate(offline.documentId);

    expect(note.status).toBe("ready");
    expect(note.generator).toEqual({ provider: "extractive", model: "extractive-v1" });
    expect(fake.requests.length).toBe(before);
  });

  it("when notes are estimated, then each project's estimate names and prices its own provider and model", async () => {
    const localEstimate = await estimate(local.documentId);
    const offlineEstimate = await estimate(offline.documentId);
    await patch(local.projectId, { llm: { provider: "openai", model: "gpt-4o" } });
    const priced = await estimate(local.documentId);
    await patch(local.projectId, { llm: LOCAL });

    expect(localEstimate).toMatchObject({ ...LOCAL, costUsd: 0 });
    expect(localEstimate.inputTokens).toBeGreaterThan(0);
    expect(offlineEstimate).toMatchObject({ provider: "extractive", inputTokens: 0, costUsd: null });
    expect(priced).toMatchObject({ provider: "openai", model: "gpt-4o", cached: false });
    // gpt-4o list price: $2.50 per million input tokens, $10 per million output tokens.
    expect(priced.costUsd).toBeCloseTo((priced.inputTokens * 2.5 + priced.outputTokens * 10) / 1e6, 10);
  });

  it("when a member asks in the overridden project, then its model answers", async () => {
    const before = fake.requests.length;

    const answer = await json(
      await api.call("POST", `/api/v1/projects/${local.projectId}/ask`, {
        token: editor,
        json: { question: QUESTION },
      }),
    );

    expect(answer).toMatchObject({ ...LOCAL, abstained: false });
    expect(answer.answer).toMatch(/\[p\. 4\]/);
    expect(fake.requests.length).toBe(before + 1);
    expect(fake.requests.at(-1)!.body.model).toBe("llama3.1:8b");
  });

  it("when an editor or a stranger tries to change the provider, then the editor gets 403, the stranger 404, and nothing changes", async () => {
    const byEditor = await patch(local.projectId, { llm: null }, editor);
    const byStranger = await patch(local.projectId, { llm: null }, stranger);
    const rename = await patch(local.projectId, { description: "edited by an editor" }, editor);

    expect(byEditor.status).toBe(403);
    expect(byStranger.status).toBe(404);
    expect(rename.status).toBe(200);
    expect((await project(local.projectId)).llm).toEqual(LOCAL);
  });

  it("when a provider the server has no key for is chosen, then 400 names the missing variable and reveals no key", async () => {
    const res = await patch(local.projectId, { llm: { provider: "anthropic" } });
    const text = await res.text();
    const created = await api.call("POST", "/api/v1/projects", {
      token: owner,
      json: { name: "Claude", llm: { provider: "anthropic", model: "claude-sonnet-4-6" } },
    });

    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(text)).toMatchObject({ code: "validation_failed" });
    expect(JSON.parse(text).detail).toMatch(/ANTHROPIC_API_KEY/);
    expect(text).not.toContain(OPENAI_KEY);
    expect(text).not.toContain(fake.url);
    expect(created.status).toBe(400);
    expect((await project(local.projectId)).llm).toEqual(LOCAL);
  });

  it("when a model name is not a model id, then 400 points at body.llm.model", async () => {
    const odd = await patch(local.projectId, {
      llm: { provider: "openai-compatible", model: "llama; rm -rf /" },
    });
    const long = await patch(local.projectId, { llm: { provider: "openai", model: "g".repeat(129) } });
    const extractive = await patch(local.projectId, { llm: { provider: "extractive", model: "x" } });

    for (const res of [odd, long, extractive]) {
      expect(res.status).toBe(400);
      expect((await json(res)).errors.map((e: { path: string }) => e.path)).toContain("body.llm.model");
    }
  });

  it("when the owner clears the provider with null, then the project is back on the default and its notes are extractive", async () => {
    const res = await patch(local.projectId, { llm: null });
    const before = fake.requests.length;

    const note = await generate(local.documentId);

    expect(res.status).toBe(200);
    expect((await json(res)).llm).toBeNull();
    expect(note.generator).toEqual({ provider: "extractive", model: "extractive-v1" });
    expect(fake.requests.length).toBe(before);
    await patch(local.projectId, { llm: LOCAL });
  });
});
