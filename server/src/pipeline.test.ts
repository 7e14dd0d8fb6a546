import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, eventually, json, startApi, type TestApi } from "../test/harness.ts";

/**
 * The whole embedded pipeline in one process (extraction in its child process): upload → process →
 * index → search → note, plus authorization across users and broken PDFs from the corpus.
 */
describe("pipeline on real corpus PDFs", () => {
  let api: TestApi;
  let alice: string;
  let bob: string;
  let projectId: string;
  let documentId: string;
  let noteId: string;
  let jobId: string;

  const waitForDocument = (id: string, token = alice) =>
    eventually(
      async () => {
        const doc = await json(await api.call("GET", `/api/v1/documents/${id}`, { token }));
        return doc.status === "ready" || doc.status === "failed" ? doc : null;
      },
      120_000,
      `document ${id}`,
    );

  beforeAll(async () => {
    api = await startApi({ JOB_MAX_ATTEMPTS: "3" });
    api.startWorker();
    alice = (await api.signUp()).token;
    bob = (await api.signUp()).token;
    projectId = (
      await json(
        await api.call("POST", "/api/v1/projects", { token: alice, json: { name: "Alice's library" } }),
      )
    ).id;
    const up = await json(
      await api.call("POST", `/api/v1/projects/${projectId}/documents?filename=P14-1059.pdf`, {
        token: alice,
        body: readFileSync(path.join(CORPUS, "papers/P14-1059.pdf")),
        headers: { "content-type": "application/pdf" },
      }),
    );
    documentId = up.document.id;
    jobId = up.job.id;
  }, 180_000);
  afterAll(async () => {
    await api.close();
  });

  it("when a paper is processed, then it is ready with its page count, title and per-page text", async () => {
    const doc = await waitForDocument(documentId);
    const pages = await json(
      await api.call("GET", `/api/v1/documents/${documentId}/pages?from=1&to=2&spans=true`, { token: alice }),
    );

    expect(doc.status).toBe("ready");
    expect(doc.pageCount).toBe(10);
    expect(doc.metadata.title).toBeTruthy();
    expect(pages.items).toHaveLength(2);
    expect(pages.items[0].text.length).toBeGreaterThan(500);
    expect(pages.items[0].spans.length).toBeGreaterThan(10);
  });

  it("when the library is searched, then hits come from the paper with pages and highlights", async () => {
    await waitForDocument(documentId);

    const res = await json(
      await api.call("GET", `/api/v1/search?q=${encodeURIComponent("translation")}&projectId=${projectId}`, {
        token: alice,
      }),
    );

    expect(res.items.length).toBeGreaterThan(0);
    expect(res.items[0]).toMatchObject({ documentId, filename: "P14-1059.pdf" });
    expect(res.items[0].pageStart).toBeGreaterThanOrEqual(1);
    expect(res.items[0].highlights.length).toBeGreaterThan(0);
  });

  it("when a note is requested, then it is generated with sections and verified page citations", async () => {
    await waitForDocument(documentId);

    const created = await api.call("POST", `/api/v1/documents/${documentId}/notes`, {
      token: alice,
      json: { template: "summary" },
    });
    const createdBody = await json(created);
    noteId = createdBody.note.id;
    const note = await eventually(
      async () => {
        const n = await json(await api.call("GET", `/api/v1/notes/${noteId}`, { token: alice }));
        return n.status === "ready" || n.status === "failed" ? n : null;
      },
      60_000,
      "note",
    );

    expect(created.status).toBe(202);
    expect(note.status).toBe("ready");
    expect(note.markdown).toMatch(/^---\n/);
    expect((note.markdown.match(/^## /gm) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(note.markdown).toMatch(/\[p\. \d+\]/);
    expect(note.citations.verified).toBe(note.citations.total);
  });

  it("when another user asks for the project, document, note or job, then 404 and nothing changes", async () => {
    await waitForDocument(documentId);

    const answers = await Promise.all([
      api.call("GET", `/api/v1/projects/${projectId}`, { token: bob }),
      api.call("PATCH", `/api/v1/projects/${projectId}`, { token: bob, json: { name: "Bob's now" } }),
      api.call("DELETE", `/api/v1/projects/${projectId}`, { token: bob }),
      api.call("GET", `/api/v1/documents/${documentId}`, { token: bob }),
      api.call("GET", `/api/v1/documents/${documentId}/file`, { token: bob }),
      api.call("DELETE", `/api/v1/documents/${documentId}`, { token: bob }),
      api.call("POST", `/api/v1/documents/${documentId}/notes`, { token: bob, json: {} }),
      api.call("GET", `/api/v1/notes/${noteId}`, { token: bob }),
      api.call("DELETE", `/api/v1/notes/${noteId}`, { token: bob }),
      api.call("GET", `/api/v1/jobs/${jobId}`, { token: bob }),
      api.call("GET", `/api/v1/projects/${projectId}/documents`, { token: bob }),
      api.call("GET", `/api/v1/search?q=translation&projectId=${projectId}`, { token: bob }),
    ]);
    const bobSearchAll = await json(await api.call("GET", `/api/v1/search?q=translation`, { token: bob }));

    expect(answers.map((r) => r.status)).toEqual(Array(answers.length).fill(404));
    expect(bobSearchAll.items).toHaveLength(0);
    const project = await json(await api.call("GET", `/api/v1/projects/${projectId}`, { token: alice }));
    expect(project.name).toBe("Alice's library");
    expect((await api.call("GET", `/api/v1/documents/${documentId}`, { token: alice })).status).toBe(200);
    expect((await api.call("GET", `/api/v1/notes/${noteId}`, { token: alice })).status).toBe(200);
  });

  it("when an encrypted PDF is uploaded, then it fails with password_required after one attempt and the worker goes on", async () => {
    const up = await json(
      await api.call("POST", `/api/v1/projects/${projectId}/documents?filename=locked.pdf`, {
        token: alice,
        body: readFileSync(path.join(CORPUS, "malformed/issue6010_1.pdf")),
        headers: { "content-type": "application/pdf" },
      }),
    );

    const doc = await waitForDocument(up.document.id);
    const job = await json(await api.call("GET", `/api/v1/jobs/${up.job.id}`, { token: alice }));

    expect(doc.status).toBe("failed");
    expect(doc.error.code).toBe("password_required");
    expect(doc.error.detail).toMatch(/password/i);
    expect(job).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("when a corrupt PDF is uploaded, then it fails with a readable reason, not retried, and the next upload still works", async () => {
    const up = await json(
      await api.call("POST", `/api/v1/projects/${projectId}/documents?filename=broken.pdf`, {
        token: alice,
        body: readFileSync(path.join(CORPUS, "malformed/bug1020226.pdf")),
        headers: { "content-type": "application/pdf" },
      }),
    );
    const doc = await waitForDocument(up.document.id);
    const job = await json(await api.call("GET", `/api/v1/jobs/${up.job.id}`, { token: alice }));
    const next = await json(
      await api.call("POST", `/api/v1/projects/${projectId}/documents?filename=gadr.pdf`, {
        token: alice,
        body: readFileSync(path.join(CORPUS, "papers/gadr.pdf")),
        headers: { "content-type": "application/pdf" },
      }),
    );

    expect(doc.status).toBe("failed");
    expect(doc.error.code).toBe("pdf_corrupt");
    expect(doc.error.detail.length).toBeGreaterThan(10);
    expect(job.status).toBe("failed");
    expect(job.attempts).toBe(1);
    expect((await waitForDocument(next.document.id)).status).toBe("ready");
  });

  it("when events are read as JSON, then the document's status changes are there in order", async () => {
    await waitForDocument(documentId);

    const events = await json(
      await api.call("GET", `/api/v1/events?projectId=${projectId}&after=0&limit=500`, { token: alice }),
    );
    const statuses = events.items
      .filter((e: any) => e.documentId === documentId && e.type === "document.status")
      .map((e: any) => e.data.status);

    expect(statuses[0]).toBe("queued");
    expect(statuses).toContain("processing");
    expect(statuses.at(-1)).toBe("ready");
  });

  it("when a client listens over SSE, then it receives the events of a new upload as they happen", async () => {
    const controller = new AbortController();
    const res = await fetch(`${api.url}/api/v1/events?projectId=${projectId}`, {
      headers: { authorization: `Bearer ${alice}`, accept: "text/event-stream" },
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    await api.call("POST", `/api/v1/projects/${projectId}/documents?filename=test1.pdf`, {
      token: alice,
      body: readFileSync(path.join(CORPUS, "papers/test1.pdf")),
      headers: { "content-type": "application/pdf" },
    });

    let text = "";
    const deadline = Date.now() + 60_000;
    while (!/"status":"ready"/.test(text) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    controller.abort();

    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(text).toMatch(/^id: \d+$/m);
    expect(text).toContain("event: document.status");
    expect(text).toContain('"status":"ready"');
  });
});
