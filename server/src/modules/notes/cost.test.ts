/**
 * Cost control through the API and the worker (issue 5, item 6): estimates before a job, usage
 * recorded per user and project, the monthly budget, and the note cache. LLM_PROVIDER=openai with
 * a priced model, the SDK pointed at a local server speaking the OpenAI wire format.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { generateNote, type JobContext } from "@academic-assist/core";
import type { NoteEstimateBatch } from "@academic-assist/sdk/contract";
import { scriptedNoteReply, startFakeOpenAiServer, type FakeLlmServer } from "@academic-assist/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, eventually, json, startApi, type TestApi } from "../../../test/harness.ts";

const BUDGET_USD = 1;

describe("note cost: estimate, usage, budget, cache (fake OpenAI server)", () => {
  let api: TestApi;
  let fake: FakeLlmServer;
  let alice: { token: string; userId: string };
  let bob: { token: string; userId: string };
  let projectId: string;
  let doc1: string;
  let doc2: string;
  let firstNote: { id: string; markdown: string };

  const upload = async (file: string) => {
    const up = await json(
      await api.call("POST", `/api/v1/projects/${projectId}/documents?filename=${file}`, {
        token: alice.token,
        body: readFileSync(path.join(CORPUS, "papers", file)),
        headers: { "content-type": "application/pdf" },
      }),
    );
    return up.document.id as string;
  };
  const waitReady = (documentId: string) =>
    eventually(
      async () =>
        (await json(await api.call("GET", `/api/v1/documents/${documentId}`, { token: alice.token })))
          .status === "ready",
      120_000,
      "document ready",
    );
  const waitNote = (noteId: string) =>
    eventually(
      async () => {
        const n = await json(await api.call("GET", `/api/v1/notes/${noteId}`, { token: alice.token }));
        return n.status === "pending" ? null : n;
      },
      60_000,
      "note",
    );
  const usage = async (token = alice.token, query = "") =>
    json(await api.call("GET", `/api/v1/usage${query}`, { token }));
  const jobCount = async () =>
    (
      await json(
        await api.call("GET", `/api/v1/projects/${projectId}/jobs?limit=100`, { token: alice.token }),
      )
    ).items.length as number;
  const noteCount = async () =>
    (
      await json(
        await api.call("GET", `/api/v1/projects/${projectId}/notes?limit=100`, { token: alice.token }),
      )
    ).items.length as number;

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
      LLM_MONTHLY_BUDGET_USD: String(BUDGET_USD),
    });
    api.startWorker();
    alice = await api.signUp();
    bob = await api.signUp();
    projectId = (
      await json(await api.call("POST", "/api/v1/projects", { token: alice.token, json: { name: "Cost" } }))
    ).id;
    doc1 = await upload("test2.pdf");
    doc2 = await upload("P07-1088.pdf");
    await Promise.all([waitReady(doc1), waitReady(doc2)]);
  }, 240_000);
  afterAll(async () => {
    await api.close();
    await fake.close();
  });

  it("when a note is estimated, then tokens and cost are plausible for the configured model and nothing is called", async () => {
    const res = await api.call("POST", `/api/v1/documents/${doc1}/notes/estimate`, {
      token: alice.token,
      json: { template: "summary" },
    });
    const estimate = await json(res);

    expect(res.status).toBe(200);
    expect(estimate).toMatchObject({ provider: "openai", model: "gpt-4o-mini", cached: false });
    expect(estimate.inputTokens).toBeGreaterThan(500);
    expect(estimate.outputTokens).toBeGreaterThan(0);
    expect(estimate.costUsd).toBeCloseTo(
      (estimate.inputTokens * 0.15 + estimate.outputTokens * 0.6) / 1_000_000,
      10,
    );
    expect(fake.requests).toHaveLength(0);
  });

  it("when several documents are estimated at once, then each matches its own estimate and the total adds up", async () => {
    const one = await json(
      await api.call("POST", `/api/v1/documents/${doc2}/notes/estimate`, { token: alice.token, json: {} }),
    );
    const res = await api.call("POST", `/api/v1/projects/${projectId}/notes/estimate`, {
      token: alice.token,
      json: { documentIds: [doc1, doc2], template: "summary" },
    });
    const batch = await json<NoteEstimateBatch>(res);
    const [a, b] = batch.items as [NoteEstimateBatch["items"][0], NoteEstimateBatch["items"][0]];

    expect(res.status).toBe(200);
    expect(batch.items.map((i: { documentId: string }) => i.documentId)).toEqual([doc1, doc2]);
    expect(batch.items[1]).toEqual({ documentId: doc2, ...one });
    expect(batch.total.inputTokens).toBe(a.inputTokens + b.inputTokens);
    expect(batch.total.outputTokens).toBe(a.outputTokens + b.outputTokens);
    expect(batch.total.costUsd).toBeCloseTo((a.costUsd ?? NaN) + (b.costUsd ?? NaN), 12);
    expect(batch.total.cached).toBe(0);
  });

  it("when the note is generated, then its usage is recorded once, close to the estimate", async () => {
    const estimate = await json(
      await api.call("POST", `/api/v1/documents/${doc1}/notes/estimate`, { token: alice.token, json: {} }),
    );

    const created = await api.call("POST", `/api/v1/documents/${doc1}/notes`, {
      token: alice.token,
      json: { template: "summary" },
    });
    const body = await json(created);
    const note = await waitNote(body.note.id);
    const report = await usage(alice.token, `?projectId=${projectId}`);

    expect(created.status).toBe(202);
    expect(body.cached).toBe(false);
    expect(note.status).toBe("ready");
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(report.user.notes).toBe(1);
    // The fake server counts ceil(prompt length / 4) per call, the estimate the same prompts by the same rule.
    expect(report.user.inputTokens / estimate.inputTokens).toBeGreaterThan(0.9);
    expect(report.user.inputTokens / estimate.inputTokens).toBeLessThan(1.1);
    expect(report.user.outputTokens).toBeGreaterThan(0);
    expect(report.user.outputTokens).toBeLessThanOrEqual(estimate.outputTokens);
    expect(report.user.costUsd).toBeGreaterThan(0);
    expect(report.user.costUsd).toBeLessThanOrEqual(estimate.costUsd * 1.1);
    expect(note.markdown).toContain(`tokens_in: ${report.user.inputTokens}`);
    expect(report.project).toMatchObject({ projectId, notes: 1, costUsd: report.user.costUsd });
    expect(report.byProject).toEqual([{ projectId, ...report.user }]);
    expect(report.budgetUsd).toBe(BUDGET_USD);
    firstNote = note;
  });

  it("when the generation job is delivered again, then the usage is not counted twice", async () => {
    const before = await usage();
    await api.app.repos.notes.update(firstNote.id, { status: "pending" }, new Date().toISOString());
    const ctx = {
      job: { id: "job_redelivered", payload: { noteId: firstNote.id }, maxAttempts: 1 },
      attempt: 1,
      progress: async () => undefined,
      signal: new AbortController().signal,
    } as unknown as JobContext<"llm_generation">;

    await generateNote(api.app, ctx);
    const after = await usage();

    expect((await api.app.repos.notes.findById(firstNote.id))?.status).toBe("ready");
    expect(after.user).toEqual(before.user);
  });

  it("when an identical note is asked for again, then it is served from the cache: no provider call, no job, no cost, same Markdown", async () => {
    const calls = fake.requests.length;
    const jobs = await jobCount();
    const before = await usage();

    const estimate = await json(
      await api.call("POST", `/api/v1/documents/${doc1}/notes/estimate`, { token: alice.token, json: {} }),
    );
    const batch = await json(
      await api.call("POST", `/api/v1/projects/${projectId}/notes/estimate`, {
        token: alice.token,
        json: { documentIds: [doc1, doc2] },
      }),
    );
    const res = await api.call("POST", `/api/v1/documents/${doc1}/notes`, {
      token: alice.token,
      json: { template: "summary" },
    });
    const body = await json(res);

    expect(estimate.cached).toBe(true);
    expect(batch.total.cached).toBe(1);
    expect(batch.total.inputTokens).toBe(batch.items[1].inputTokens);
    expect(res.status).toBe(200);
    expect(body.cached).toBe(true);
    expect(body.job).toBeNull();
    expect(body.note.id).not.toBe(firstNote.id);
    expect(body.note.status).toBe("ready");
    expect(body.note.markdown).toBe(
      (await json(await api.call("GET", `/api/v1/notes/${firstNote.id}`, { token: alice.token }))).markdown,
    );
    expect(fake.requests.length).toBe(calls);
    expect(await jobCount()).toBe(jobs);
    expect((await usage()).user).toEqual(before.user);
  });

  it("when another language is asked for, then it is not a cache hit", async () => {
    const estimate = await json(
      await api.call("POST", `/api/v1/documents/${doc1}/notes/estimate`, {
        token: alice.token,
        json: { language: "ja" },
      }),
    );

    expect(estimate.cached).toBe(false);
  });

  it("when the month's spending plus the estimate exceeds the budget, then notes.create answers 402 and nothing is created or queued", async () => {
    const spent = (await usage()).user.costUsd as number;
    await api.app.repos.usage.record({
      noteId: "note_spent_elsewhere",
      userId: alice.userId,
      projectId,
      provider: "openai",
      model: "gpt-4o-mini",
      inputTokens: 1,
      outputTokens: 1,
      costUsd: BUDGET_USD - spent - 1e-9,
      at: new Date().toISOString(),
    });
    const jobs = await jobCount();
    const notes = await noteCount();
    const calls = fake.requests.length;

    const res = await api.call("POST", `/api/v1/documents/${doc2}/notes`, {
      token: alice.token,
      json: { template: "summary" },
    });
    const problem = await json(res);
    const cachedStillServed = await api.call("POST", `/api/v1/documents/${doc1}/notes`, {
      token: alice.token,
      json: { template: "summary" },
    });

    expect(res.status).toBe(402);
    expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(problem.code).toBe("budget_exceeded");
    expect(problem.detail).toMatch(
      /spent \$1\.0+ this month, this note is estimated at \$0\.\d{4}, budget \$1\.00/,
    );
    expect(await jobCount()).toBe(jobs);
    expect(await noteCount()).toBe(notes + 1); // only the free cached copy
    expect(cachedStillServed.status).toBe(200);
    expect(fake.requests.length).toBe(calls);
  });

  it("when another user asks about alice's document, project or usage, then everything is 404", async () => {
    const answers = await Promise.all([
      api.call("POST", `/api/v1/documents/${doc1}/notes/estimate`, { token: bob.token, json: {} }),
      api.call("POST", `/api/v1/projects/${projectId}/notes/estimate`, {
        token: bob.token,
        json: { documentIds: [doc1] },
      }),
      api.call("GET", `/api/v1/usage?projectId=${projectId}`, { token: bob.token }),
    ]);
    const bobProject = (
      await json(await api.call("POST", "/api/v1/projects", { token: bob.token, json: { name: "Bob's" } }))
    ).id;
    const viaOwnProject = await api.call("POST", `/api/v1/projects/${bobProject}/notes/estimate`, {
      token: bob.token,
      json: { documentIds: [doc1] },
    });
    const bobUsage = await usage(bob.token);

    expect(answers.map((r) => r.status)).toEqual([404, 404, 404]);
    expect(viaOwnProject.status).toBe(404);
    expect(bobUsage.user.notes).toBe(0);
    expect(bobUsage.byProject).toEqual([]);
    expect(bobUsage.project).toBeNull();
  });

  it("when the month is malformed, then usage answers 400", async () => {
    const res = await api.call("GET", "/api/v1/usage?month=2025-13", { token: alice.token });

    expect(res.status).toBe(400);
    expect((await usage(alice.token, "?month=2001-01")).user.notes).toBe(0);
  });
});
