/** `POST /projects/{projectId}/ask` with `saveAsNote: true`: the cited answer stored as a note. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, eventually, json, startApi, type TestApi } from "../../../test/harness.ts";

describe("ask, saved as a note", () => {
  let api: TestApi;
  let owner: string;
  let viewer: string;
  let projectId: string;
  let documentId: string;

  beforeAll(async () => {
    api = await startApi();
    api.startWorker();
    owner = (await api.signUp()).token;
    viewer = (await api.signUp("viewer-ask@example.org")).token;
    projectId = (
      await json(await api.call("POST", "/api/v1/projects", { token: owner, json: { name: "Q" } }))
    ).id;
    await api.call("POST", `/api/v1/projects/${projectId}/members`, {
      token: owner,
      json: { email: "viewer-ask@example.org", role: "viewer" },
    });
    const up = await json(
      await api.call("POST", `/api/v1/projects/${projectId}/documents?filename=s2orc.pdf`, {
        token: owner,
        body: readFileSync(path.join(CORPUS, "papers/2020.acl-main.447.pdf")),
        headers: { "content-type": "application/pdf" },
      }),
    );
    documentId = up.document.id;
    await eventually(
      async () =>
        (await json(await api.call("GET", `/api/v1/documents/${documentId}`, { token: owner }))).status ===
        "ready",
      120_000,
      "document ready",
    );
  }, 180_000);
  afterAll(async () => {
    await api.close();
  });

  const ask = (question: string, token = owner) =>
    api.call("POST", `/api/v1/projects/${projectId}/ask`, { token, json: { question, saveAsNote: true } });

  it("when an answered question is saved, then a ready note holds the answer with verified citations, linked to the cited document", async () => {
    const res = await ask("How many English-language academic papers does the S2ORC corpus contain?");
    const result = await json(res);

    expect(res.status).toBe(200);
    expect(result.abstained).toBe(false);
    expect(result.noteId).toMatch(/^note_/);
    const note = await json(await api.call("GET", `/api/v1/notes/${result.noteId}`, { token: owner }));
    expect(note).toMatchObject({ status: "ready", template: "answer", documentId, projectId });
    expect(note.markdown).toMatch(/^template: "answer"$/m);
    expect(note.markdown).toMatch(new RegExp(`^documents:\\n  - "${documentId}"$`, "m"));
    expect(note.markdown).toMatch(/^# How many English-language academic papers/m);
    expect(note.markdown).toMatch(/^- .+ \[p\. \d+\]$/m);
    expect(note.citations.total).toBeGreaterThan(0);
    expect(note.citations.verified / note.citations.total).toBeGreaterThanOrEqual(0.95);
    const listed = await json(await api.call("GET", `/api/v1/projects/${projectId}/notes`, { token: owner }));
    expect(listed.items.map((n: { id: string }) => n.id)).toContain(result.noteId);
  });

  it("when the library abstains, then nothing is saved and noteId is null", async () => {
    const result = await json(await ask("What is the boiling point of liquid nitrogen on Mars?"));

    expect(result.abstained).toBe(true);
    expect(result.noteId).toBeNull();
  });

  it("when a viewer asks to save, then it is refused with 403, and asking without saving still answers", async () => {
    const refused = await ask(
      "How many English-language academic papers does the S2ORC corpus contain?",
      viewer,
    );
    const plain = await api.call("POST", `/api/v1/projects/${projectId}/ask`, {
      token: viewer,
      json: { question: "How many English-language academic papers does the S2ORC corpus contain?" },
    });

    expect(refused.status).toBe(403);
    expect(plain.status).toBe(200);
    expect((await json(plain)).noteId).toBeUndefined();
  });
});
