/**
 * Notes generated with a project's custom template, by the offline extractive generator and by an
 * LLM (the OpenAI wire format served by fake-openai-server, answering with scriptedNoteReply).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { scriptedNoteReply, startFakeOpenAiServer, type FakeLlmServer } from "@academic-assist/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, eventually, json, startApi, type TestApi } from "../../../test/harness.ts";

const SKELETON = [
  "# {{title}}",
  "",
  "{{authors}} ({{year}})",
  "",
  "## In short",
  "{{section:Summary}}",
  "",
  "## How",
  "{{section:Methods}}",
  "",
  "## Evaluation data",
  "{{section:Datasets | Which corpora, datasets and annotations the work uses.}}",
].join("\n");
const PROMPT = "Focus on the datasets and the evaluation; prefer concrete numbers.";

async function setUp(api: TestApi) {
  const { token } = await api.signUp();
  const project = await json(
    await api.call("POST", "/api/v1/projects", { token, json: { name: "Tpl notes" } }),
  );
  const up = await json(
    await api.call("POST", `/api/v1/projects/${project.id}/documents?filename=test2.pdf`, {
      token,
      body: readFileSync(path.join(CORPUS, "papers/test2.pdf")),
      headers: { "content-type": "application/pdf" },
    }),
  );
  const documentId: string = up.document.id;
  await eventually(
    async () =>
      (await json(await api.call("GET", `/api/v1/documents/${documentId}`, { token }))).status === "ready",
    120_000,
    "document ready",
  );
  const template = await json(
    await api.call("POST", `/api/v1/projects/${project.id}/templates`, {
      token,
      json: { name: "Data-focused", prompt: PROMPT, skeleton: SKELETON },
    }),
  );
  return { token, projectId: project.id as string, documentId, templateId: template.id as string };
}

async function generate(api: TestApi, token: string, documentId: string, template: string) {
  const res = await api.call("POST", `/api/v1/documents/${documentId}/notes`, {
    token,
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
}

function expectSkeletonNote(
  note: {
    status: string;
    markdown: string;
    template: string;
    citations: { total: number; verified: number };
  },
  templateId: string,
) {
  expect(note.status).toBe("ready");
  expect(note.template).toBe(templateId);
  expect(note.markdown).toMatch(new RegExp(`^template: "${templateId}"$`, "m"));
  expect(note.markdown).toMatch(/^template_name: "Data-focused"$/m);
  for (const heading of ["## In short", "## How", "## Evaluation data"])
    expect(note.markdown).toMatch(new RegExp(`^${heading}\\n- .+\\[p\\. \\d+`, "m"));
  expect(note.citations.total).toBeGreaterThan(0);
  expect(note.citations.verified / note.citations.total).toBeGreaterThanOrEqual(0.95);
}

describe("notes with a custom template, extractive generator", () => {
  let api: TestApi;
  let ctx: Awaited<ReturnType<typeof setUp>>;

  beforeAll(async () => {
    api = await startApi();
    api.startWorker();
    ctx = await setUp(api);
  }, 180_000);
  afterAll(async () => {
    await api.close();
  });

  it("when a note is generated with the custom template, then it has the skeleton's sections, its metadata and verified citations", async () => {
    const note = await generate(api, ctx.token, ctx.documentId, ctx.templateId);

    expectSkeletonNote(note, ctx.templateId);
    expect(note.markdown).not.toMatch(/\{\{|\}\}/);
  });

  it("when the template is estimated and changed, then the estimate accepts its id and a changed template is not served from the cache", async () => {
    const estimate = await api.call("POST", `/api/v1/documents/${ctx.documentId}/notes/estimate`, {
      token: ctx.token,
      json: { template: ctx.templateId },
    });
    expect(estimate.status).toBe(200);
    expect((await json(estimate)).cached).toBe(true);

    await api.call("PATCH", `/api/v1/templates/${ctx.templateId}`, {
      token: ctx.token,
      json: { prompt: "Focus on limitations." },
    });

    const after = await json(
      await api.call("POST", `/api/v1/documents/${ctx.documentId}/notes/estimate`, {
        token: ctx.token,
        json: { template: ctx.templateId },
      }),
    );
    expect(after.cached).toBe(false);
  });
});

describe("notes with a custom template, LLM (fake OpenAI server)", () => {
  let api: TestApi;
  let fake: FakeLlmServer;
  let ctx: Awaited<ReturnType<typeof setUp>>;

  beforeAll(async () => {
    fake = await startFakeOpenAiServer({ model: "gpt-4o-mini" });
    fake.script((r) => ({ kind: "text", text: scriptedNoteReply(r) }));
    api = await startApi({
      LLM_PROVIDER: "openai",
      OPENAI_API_KEY: "sk-openai-test",
      OPENAI_MODEL: "gpt-4o-mini",
      OPENAI_BASE_URL: `${fake.url}/v1`,
      LLM_MAX_RETRIES: "0",
      LLM_JOB_MAX_ATTEMPTS: "1",
    });
    api.startWorker();
    ctx = await setUp(api);
  }, 180_000);
  afterAll(async () => {
    await api.close();
    await fake.close();
  });

  it("when a note is generated with the custom template, then the model got its sections and instructions and the note has the skeleton's sections with verified citations", async () => {
    const note = await generate(api, ctx.token, ctx.documentId, ctx.templateId);

    expectSkeletonNote(note, ctx.templateId);
    const prompt = fake.requests.at(-1)!.prompt;
    expect(prompt).toContain("s3 — Datasets: Which corpora, datasets and annotations the work uses.");
    expect(prompt).toContain(PROMPT);
    expect(note.markdown).toMatch(/^provider: "openai"$/m);
  });
});
