/**
 * Editing a note through the API with optimistic concurrency: `PATCH /notes/{noteId}` with
 * `If-Match: "<revision>"`; a missing If-Match is 428, a stale one 409, and of two concurrent edits
 * of the same revision exactly one wins. Documents and notes are seeded through the repositories
 * (no PDF processing needed for this).
 */
import { newId, nowIso } from "@academic-assist/core";
import { AcademicAssist, ConflictError } from "@academic-assist/sdk";
import { contentHash } from "@academic-assist/sdk/writeback";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, seedDocument, startApi, type TestApi } from "../../../test/harness.ts";

const GENERATED = '---\ntitle: "A Paper"\ncontent_hash: "abc"\n---\n# Summary\nClaim [p. 1]\n';

describe("note edits (PATCH /notes/{noteId} with If-Match)", () => {
  let api: TestApi;
  let owner: { token: string; userId: string };
  let editor: { token: string; userId: string };
  let viewer: { token: string; userId: string };
  let stranger: { token: string; userId: string };
  let projectId: string;
  let documentId: string;

  beforeAll(async () => {
    api = await startApi();
    owner = await api.signUp("owner@example.org");
    editor = await api.signUp("editor@example.org");
    viewer = await api.signUp("viewer@example.org");
    stranger = await api.signUp("stranger@example.org");
    projectId = (
      await json(await api.call("POST", "/api/v1/projects", { token: owner.token, json: { name: "Papers" } }))
    ).id;
    for (const [email, role] of [
      ["editor@example.org", "editor"],
      ["viewer@example.org", "viewer"],
    ] as const) {
      const res = await api.call("POST", `/api/v1/projects/${projectId}/members`, {
        token: owner.token,
        json: { email, role },
      });
      expect(res.status).toBe(201);
    }
    documentId = await seedDocument(api.app, { projectId, createdBy: owner.userId });
  });
  afterAll(async () => {
    await api.close();
  });

  /** A ready note in the project, as generation leaves it. */
  async function readyNote(status: "ready" | "pending" = "ready"): Promise<string> {
    const at = nowIso();
    const note = await api.app.repos.notes.create({
      id: newId("note"),
      projectId,
      documentId,
      template: "summary",
      language: "en",
      status,
      title: "A Paper",
      markdown: status === "ready" ? GENERATED : "",
      contentHash: status === "ready" ? await contentHash(GENERATED) : null,
      generator: { provider: "extractive", model: "v1" },
      citations: { total: 1, verified: 1, unverified: 0 },
      error: null,
      createdBy: owner.userId,
      createdAt: at,
      updatedAt: at,
    });
    return note.id;
  }

  const patch = (noteId: string, token: string, body: unknown, ifMatch?: string) =>
    api.call("PATCH", `/api/v1/notes/${noteId}`, {
      token,
      json: body,
      headers: ifMatch === undefined ? {} : { "if-match": ifMatch },
    });

  it("when an editor sends the ETag they read, then the note is replaced, its revision and ETag move on and its hash matches the new text", async () => {
    const noteId = await readyNote();
    const read = await api.call("GET", `/api/v1/notes/${noteId}`, { token: editor.token });
    const etag = read.headers.get("etag")!;
    const edited = GENERATED.replace("Claim", "My claim");

    const res = await patch(noteId, editor.token, { markdown: edited, title: "Mine" }, etag);
    const body = await json(res);
    const after = await json(await api.call("GET", `/api/v1/notes/${noteId}`, { token: owner.token }));

    expect(etag).toBe('"1"');
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('"2"');
    expect(body).toMatchObject({ id: noteId, markdown: edited, title: "Mine", revision: 2 });
    expect(body.contentHash).toBe(await contentHash(edited));
    expect(after).toEqual(body);
  });

  it("when If-Match is missing, then the edit is refused with 428 problem+json and nothing changes", async () => {
    const noteId = await readyNote();

    const res = await patch(noteId, owner.token, { markdown: "# overwritten" });
    const wildcard = await patch(noteId, owner.token, { markdown: "# overwritten" }, "*");
    const problem = await json(res);

    expect(res.status).toBe(428);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(problem.code).toBe("precondition_required");
    expect(wildcard.status).toBe(428);
    expect((await api.app.repos.notes.findById(noteId))?.markdown).toBe(GENERATED);
  });

  it("when the ETag is stale, then the edit is refused with 409 conflict and the newer text is kept", async () => {
    const noteId = await readyNote();
    expect((await patch(noteId, owner.token, { markdown: "# first" }, '"1"')).status).toBe(200);

    const res = await patch(noteId, editor.token, { markdown: "# second" }, '"1"');

    expect(res.status).toBe(409);
    expect((await json(res)).code).toBe("conflict");
    expect((await api.app.repos.notes.findById(noteId))?.markdown).toBe("# first");
  });

  it("when two people edit the same note at once from the same revision, then one gets 200 and the other 409", async () => {
    const noteId = await readyNote();

    const responses = await Promise.all([
      patch(noteId, owner.token, { markdown: "# owner's edit" }, '"1"'),
      patch(noteId, editor.token, { markdown: "# editor's edit" }, '"1"'),
    ]);
    const statuses = responses.map((r) => r.status).sort();
    const stored = await api.app.repos.notes.findById(noteId);
    const winner = await json(responses.find((r) => r.status === 200)!);

    expect(statuses).toEqual([200, 409]);
    expect(stored?.revision).toBe(2);
    expect(stored?.markdown).toBe(winner.markdown);
  });

  it("when a viewer edits, then 403; when someone outside the project edits, then 404", async () => {
    const noteId = await readyNote();

    const asViewer = await patch(noteId, viewer.token, { markdown: "# v" }, '"1"');
    const asStranger = await patch(noteId, stranger.token, { markdown: "# s" }, '"1"');

    expect(asViewer.status).toBe(403);
    expect(asStranger.status).toBe(404);
    expect((await json(asStranger)).code).toBe("not_found");
    expect((await api.app.repos.notes.findById(noteId))?.markdown).toBe(GENERATED);
  });

  it("when the note is still being generated, then an edit is refused with 409", async () => {
    const noteId = await readyNote("pending");

    const res = await patch(noteId, owner.token, { markdown: "# early" }, '"1"');

    expect(res.status).toBe(409);
  });

  it("when the Markdown is over the size limit, then 400 names the field", async () => {
    const noteId = await readyNote();

    const res = await patch(noteId, owner.token, { markdown: "x".repeat(200_001) }, '"1"');

    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual([expect.objectContaining({ path: "body.markdown" })]);
  });

  it("when the SDK updates a note with the revision it read, then it gets the new note; with a stale one, a ConflictError", async () => {
    const noteId = await readyNote();
    const client = new AcademicAssist({ baseURL: api.url, apiKey: editor.token, maxRetries: 0 });
    const note = await client.notes.retrieve(noteId);

    const updated = await client.notes.update(noteId, { markdown: "# via SDK" }, { ifMatch: note.revision });
    const stale = await client.notes
      .update(noteId, { markdown: "# stale" }, { ifMatch: note.revision })
      .catch((e: unknown) => e);

    expect(updated).toMatchObject({ markdown: "# via SDK", revision: 2 });
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as ConflictError).code).toBe("conflict");
  });
});
