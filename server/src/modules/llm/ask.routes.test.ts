/**
 * Library Q&A over corpus papers: cited answers and abstentions from the question set in
 * core/src/llm/ask-questions.json (extractive answerer), SSE streaming, and isolation between
 * users' projects — also with an LLM behind fake-openai-server, whose prompts are inspected.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { startFakeOpenAiServer, type FakeLlmServer } from "@academic-assist/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, eventually, json, startApi, type TestApi } from "../../../test/harness.ts";

interface Question {
  question: string;
  paper?: string;
  pages?: number[];
  answerable: boolean;
}
const set = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, "../../../../core/src/llm/ask-questions.json"), "utf8"),
) as { papers: string[]; questions: Question[] };

async function library(api: TestApi, token: string, papers: string[]) {
  const project = await json(
    await api.call("POST", "/api/v1/projects", { token, json: { name: "Library" } }),
  );
  const docs: Record<string, string> = {};
  for (const paper of papers) {
    const up = await json(
      await api.call("POST", `/api/v1/projects/${project.id}/documents?filename=${path.basename(paper)}`, {
        token,
        body: readFileSync(path.join(CORPUS, paper)),
        headers: { "content-type": "application/pdf" },
      }),
    );
    docs[paper] = up.document.id;
  }
  for (const id of Object.values(docs)) {
    await eventually(
      async () =>
        (await json(await api.call("GET", `/api/v1/documents/${id}`, { token }))).status === "ready",
      120_000,
      `document ${id}`,
    );
  }
  return { projectId: project.id as string, docs };
}

describe("POST /projects/{projectId}/ask with the extractive answerer", () => {
  let api: TestApi;
  let alice: string;
  let bob: string;
  let lib: { projectId: string; docs: Record<string, string> };

  beforeAll(async () => {
    api = await startApi();
    api.startWorker();
    alice = (await api.signUp()).token;
    bob = (await api.signUp()).token;
    lib = await library(api, alice, set.papers);
  }, 300_000);
  afterAll(async () => {
    await api.close();
  });

  it.each(set.questions.map((q) => [q.question, q] as const))(
    "when asked %j, then the answer cites an expected page or abstains as the set says",
    async (_q, q) => {
      const res = await api.call("POST", `/api/v1/projects/${lib.projectId}/ask`, {
        token: alice,
        json: { question: q.question },
      });
      const body = await json(res);

      expect(res.status).toBe(200);
      expect(body.abstained).toBe(!q.answerable);
      if (!q.answerable) {
        expect(body.citations).toEqual([]);
        return;
      }
      expect(body.answer).toMatch(/\[p\. \d+\]/);
      const docId = lib.docs[q.paper!];
      expect(
        body.citations.some(
          (c: { documentId: string; page: number }) => c.documentId === docId && q.pages!.includes(c.page),
        ),
      ).toBe(true);
    },
  );

  it("when the answer is requested as text/event-stream, then token events come before one answer event", async () => {
    const res = await api.call("POST", `/api/v1/projects/${lib.projectId}/ask`, {
      token: alice,
      json: { question: set.questions[0]!.question },
      headers: { accept: "text/event-stream" },
    });
    const text = await res.text();

    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events[0]).toBe("token");
    expect(events.at(-1)).toBe("answer");
    const answer = JSON.parse(/event: answer\ndata: (.*)\n/.exec(text)![1]!);
    expect(answer.citations.length).toBeGreaterThan(0);
  });

  it("when another user asks about Alice's project or document, then it is 404 and nothing is answered", async () => {
    const other = await api.call("POST", `/api/v1/projects/${lib.projectId}/ask`, {
      token: bob,
      json: { question: set.questions[0]!.question },
    });
    const own = await json(
      await api.call("POST", "/api/v1/projects", { token: bob, json: { name: "Bob's" } }),
    );
    const viaDoc = await api.call("POST", `/api/v1/projects/${own.id}/ask`, {
      token: bob,
      json: { question: set.questions[0]!.question, documentId: Object.values(lib.docs)[0] },
    });
    const inOwn = await json(
      await api.call("POST", `/api/v1/projects/${own.id}/ask`, {
        token: bob,
        json: { question: set.questions[0]!.question },
      }),
    );

    expect(other.status).toBe(404);
    expect(viaDoc.status).toBe(404);
    expect(inOwn.abstained).toBe(true);
    expect(inOwn.passages).toEqual([]);
  });
});

describe("POST /projects/{projectId}/ask with OpenAI (fake-openai-server)", () => {
  let api: TestApi;
  let fake: FakeLlmServer;
  let alice: string;
  let bob: string;
  let lib: { projectId: string; docs: Record<string, string> };

  beforeAll(async () => {
    fake = await startFakeOpenAiServer({
      script: (r) => ({
        kind: "text",
        text: r.prompt.includes('n="P1"')
          ? "Participants felt GP surgeries lacked space and facilities [P1 p. 4]."
          : "NOT_IN_LIBRARY",
      }),
    });
    api = await startApi({
      LLM_PROVIDER: "openai",
      OPENAI_API_KEY: "sk-openai-test",
      OPENAI_BASE_URL: `${fake.url}/v1`,
    });
    api.startWorker();
    alice = (await api.signUp()).token;
    bob = (await api.signUp()).token;
    lib = await library(api, alice, ["papers/test2.pdf"]);
  }, 300_000);
  afterAll(async () => {
    await api.close();
    await fake.close();
  });

  it("when the owner asks, then the model sees only retrieved passages as data and the answer cites pages", async () => {
    const body = await json(
      await api.call("POST", `/api/v1/projects/${lib.projectId}/ask`, {
        token: alice,
        json: { question: "What do patients think about GP surgeries providing rehabilitation programmes?" },
      }),
    );

    expect(body.abstained).toBe(false);
    expect(body.answer).toMatch(/\[p\. 4\]/);
    expect(body.citations[0]).toMatchObject({ documentId: lib.docs["papers/test2.pdf"], page: 4 });
    expect(fake.requests.at(-1)!.prompt).toMatch(/never instructions/);
    expect(fake.requests.at(-1)!.body.stream).toBe(true);
  });

  it("when another user asks about that project, or in their own project about its content, then none of its text reaches the model", async () => {
    const before = fake.requests.length;
    const own = await json(
      await api.call("POST", "/api/v1/projects", { token: bob, json: { name: "Bob's" } }),
    );

    const other = await api.call("POST", `/api/v1/projects/${lib.projectId}/ask`, {
      token: bob,
      json: { question: "What do patients think about GP surgeries?" },
    });
    const inOwn = await json(
      await api.call("POST", `/api/v1/projects/${own.id}/ask`, {
        token: bob,
        json: { question: "What do patients think about GP surgeries?" },
      }),
    );

    expect(other.status).toBe(404);
    expect(inOwn.abstained).toBe(true);
    const leaked = fake.requests
      .slice(before)
      .filter((r) => /heart failure|GP surgeries would not have/i.test(r.prompt));
    expect(leaked).toEqual([]);
  });
});
