import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newId } from "../../domain/ids.ts";
import type {
  ChunkRecord,
  DocumentRecord,
  NewNoteRecord,
  PageRecord,
  ProjectRecord,
  TemplateRecord,
  UserRecord,
} from "../../domain/records.ts";
import type { Repositories } from "../repositories.ts";
import { errorCodeOf, type ContractSubject } from "./contract-helpers.ts";

let clock = Date.UTC(2024, 0, 1);
/** Strictly increasing timestamps, so "newest first" has one right answer. */
const tick = (): string => new Date((clock += 1000)).toISOString();

const user = (email = `${newId("u")}@example.org`): UserRecord => ({
  id: newId("usr"),
  email,
  name: "Ada",
  passwordHash: "hash",
  createdAt: tick(),
});

const project = (name = "Papers"): ProjectRecord => {
  const at = tick();
  return { id: newId("prj"), name, description: "", language: "en", llm: null, createdAt: at, updatedAt: at };
};

const sha = (s: string): string => createHash("sha256").update(s).digest("hex");

const documentOf = (projectId: string, createdBy: string, content = newId("bytes")): DocumentRecord => {
  const id = newId("doc");
  const at = tick();
  return {
    id,
    projectId,
    filename: "paper.pdf",
    mediaType: "application/pdf",
    byteSize: 1234,
    sha256: sha(content),
    blobKey: `documents/${id}/original`,
    status: "queued",
    progress: null,
    error: null,
    pageCount: null,
    metadata: { title: null, authors: [], abstract: null, doi: null, year: null, language: null },
    createdBy,
    createdAt: at,
    updatedAt: at,
  };
};

const pageOf = (documentId: string, number: number): PageRecord => ({
  documentId,
  number,
  width: 595.5,
  height: 842,
  text: `page ${number} 自然言語`,
  source: number % 2 ? "text" : "ocr",
  spans: [{ start: 0, end: 4, x: 1.5, y: 2, width: 30, height: 10 }],
});

const chunkOf = (doc: DocumentRecord, ordinal: number): ChunkRecord => ({
  id: newId("chk"),
  documentId: doc.id,
  projectId: doc.projectId,
  ordinal,
  text: `chunk ${ordinal}`,
  pageStart: ordinal + 1,
  pageEnd: ordinal + 2,
  section: ordinal === 0 ? null : "Methods",
  tokenCount: 3,
});

const noteOf = (doc: DocumentRecord, createdBy: string): NewNoteRecord => {
  const at = tick();
  return {
    id: newId("note"),
    projectId: doc.projectId,
    documentId: doc.id,
    template: "summary",
    language: "en",
    status: "pending",
    title: null,
    markdown: "",
    contentHash: null,
    generator: null,
    citations: null,
    error: null,
    createdBy,
    createdAt: at,
    updatedAt: at,
  };
};

const templateOf = (projectId: string, createdBy: string, name = "Reading note"): TemplateRecord => {
  const at = tick();
  return {
    id: newId("tpl"),
    projectId,
    name,
    description: "",
    language: null,
    prompt: "",
    skeleton: "# {{title}}\n\n{{section:Summary}}\n",
    createdBy,
    createdAt: at,
    updatedAt: at,
  };
};

/**
 * The behaviour every {@link Repositories} implementation must have. `make` returns a fresh adapter
 * on empty storage each time.
 */
export function describeRepositories(make: () => Promise<ContractSubject<Repositories>>): void {
  describe("Repositories contract", () => {
    let repos: Repositories;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ adapter: repos, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    /** A user owning a fresh project. */
    async function owned(): Promise<{ owner: UserRecord; project: ProjectRecord }> {
      const owner = await repos.users.create(user());
      const p = await repos.projects.create(project(), owner.id);
      return { owner, project: p };
    }

    describe("users", () => {
      it("when a user is created, then it is found by id and by email in any case", async () => {
        const created = await repos.users.create(user("Ada.Lovelace@Example.org"));

        const byId = await repos.users.findById(created.id);
        const byEmail = await repos.users.findByEmail("ada.lovelace@EXAMPLE.ORG");

        expect(byId).toEqual(created);
        expect(byEmail?.id).toBe(created.id);
        expect(byEmail?.email).toBe("Ada.Lovelace@Example.org");
        expect(await repos.users.count()).toBe(1);
      });

      it("when an email is registered twice with a different case, then the second create fails with email_taken", async () => {
        await repos.users.create(user("grace@example.org"));

        const code = await errorCodeOf(repos.users.create(user("GRACE@Example.ORG")));

        expect(code).toBe("email_taken");
        expect(await repos.users.count()).toBe(1);
      });

      it("when a user does not exist, then lookups return null", async () => {
        expect(await repos.users.findById("usr_missing")).toBeNull();
        expect(await repos.users.findByEmail("nobody@example.org")).toBeNull();
      });
    });

    describe("api tokens", () => {
      it("when a token is revoked, then it is no longer found by hash nor listed", async () => {
        const owner = await repos.users.create(user());
        const token = await repos.tokens.create({
          id: newId("tok"),
          userId: owner.id,
          name: "vscode",
          prefix: "aa_1234",
          tokenHash: sha("secret"),
          createdAt: tick(),
          lastUsedAt: null,
          expiresAt: null,
          revokedAt: null,
        });
        expect(await repos.tokens.findByHash(sha("secret"))).toEqual(token);

        const revoked = await repos.tokens.revoke(owner.id, token.id, tick());

        expect(revoked).toBe(true);
        expect(await repos.tokens.findByHash(sha("secret"))).toBeNull();
        expect(await repos.tokens.listByUser(owner.id)).toEqual([]);
        expect(await repos.tokens.revoke(owner.id, token.id, tick())).toBe(false);
      });

      it("when another user revokes a token, then nothing is revoked", async () => {
        const owner = await repos.users.create(user());
        const other = await repos.users.create(user());
        const base = {
          name: "t",
          prefix: "aa_",
          createdAt: tick(),
          lastUsedAt: null,
          expiresAt: null,
          revokedAt: null,
        };
        const token = await repos.tokens.create({
          ...base,
          id: newId("tok"),
          userId: owner.id,
          tokenHash: sha("a"),
        });

        expect(await repos.tokens.revoke(other.id, token.id, tick())).toBe(false);
        expect(await repos.tokens.findByHash(sha("a"))).not.toBeNull();
      });

      it("when tokens are listed, then the newest comes first", async () => {
        const owner = await repos.users.create(user());
        const base = {
          name: "t",
          prefix: "aa_",
          lastUsedAt: null,
          expiresAt: null,
          revokedAt: null,
          userId: owner.id,
        };
        const first = await repos.tokens.create({
          ...base,
          id: newId("tok"),
          tokenHash: sha("1"),
          createdAt: tick(),
        });
        const second = await repos.tokens.create({
          ...base,
          id: newId("tok"),
          tokenHash: sha("2"),
          createdAt: tick(),
        });

        const list = await repos.tokens.listByUser(owner.id);

        expect(list.map((t) => t.id)).toEqual([second.id, first.id]);
      });

      it("when a token is used twice within a minute, then only the first use is recorded", async () => {
        const owner = await repos.users.create(user());
        const token = await repos.tokens.create({
          id: newId("tok"),
          userId: owner.id,
          name: "t",
          prefix: "aa_",
          tokenHash: sha("touch"),
          createdAt: tick(),
          lastUsedAt: null,
          expiresAt: null,
          revokedAt: null,
        });

        await repos.tokens.touch(token.id, "2024-06-01T10:00:00.000Z");
        await repos.tokens.touch(token.id, "2024-06-01T10:00:20.000Z");
        const afterTwo = await repos.tokens.findByHash(sha("touch"));
        await repos.tokens.touch(token.id, "2024-06-01T10:05:00.000Z");
        const afterThree = await repos.tokens.findByHash(sha("touch"));

        expect(afterTwo?.lastUsedAt).toBe("2024-06-01T10:00:00.000Z");
        expect(afterThree?.lastUsedAt).toBe("2024-06-01T10:05:00.000Z");
      });
    });

    describe("projects and memberships", () => {
      it("when a project is created, then its creator is its owner", async () => {
        const { owner, project: p } = await owned();

        expect(await repos.projects.findById(p.id)).toEqual(p);
        expect(await repos.projects.roleOf(p.id, owner.id)).toBe("owner");
        expect(await repos.projects.projectIdsForUser(owner.id)).toEqual([p.id]);
      });

      it("when members are added, changed and removed, then their roles follow", async () => {
        const { owner, project: p } = await owned();
        const editor = await repos.users.create(user("editor@example.org"));
        const viewer = await repos.users.create(user("viewer@example.org"));

        await repos.projects.addMember({
          projectId: p.id,
          userId: editor.id,
          role: "editor",
          addedAt: tick(),
        });
        await repos.projects.addMember({
          projectId: p.id,
          userId: viewer.id,
          role: "viewer",
          addedAt: tick(),
        });
        const members = await repos.projects.listMembers(p.id);

        expect(members.map((m) => [m.userId, m.role, m.email])).toEqual(
          expect.arrayContaining([
            [owner.id, "owner", owner.email],
            [editor.id, "editor", "editor@example.org"],
            [viewer.id, "viewer", "viewer@example.org"],
          ]),
        );
        expect(members).toHaveLength(3);
        expect(await repos.projects.roleOf(p.id, editor.id)).toBe("editor");

        expect(await repos.projects.updateMember(p.id, viewer.id, "editor")).toBe(true);
        expect(await repos.projects.roleOf(p.id, viewer.id)).toBe("editor");
        expect(await repos.projects.removeMember(p.id, editor.id)).toBe(true);
        expect(await repos.projects.roleOf(p.id, editor.id)).toBeNull();
        expect(await repos.projects.removeMember(p.id, editor.id)).toBe(false);
        expect(await repos.projects.updateMember(p.id, editor.id, "viewer")).toBe(false);
      });

      it("when a user is added twice, then the second add fails with conflict", async () => {
        const { project: p } = await owned();
        const member = await repos.users.create(user());
        await repos.projects.addMember({
          projectId: p.id,
          userId: member.id,
          role: "viewer",
          addedAt: tick(),
        });

        const code = await errorCodeOf(
          repos.projects.addMember({ projectId: p.id, userId: member.id, role: "editor", addedAt: tick() }),
        );

        expect(code).toBe("conflict");
        expect(await repos.projects.roleOf(p.id, member.id)).toBe("viewer");
      });

      it("when a user is not a member, then roleOf is null and the project is not listed for them", async () => {
        const { project: p } = await owned();
        const stranger = await repos.users.create(user());

        expect(await repos.projects.roleOf(p.id, stranger.id)).toBeNull();
        expect(await repos.projects.roleOf("prj_missing", stranger.id)).toBeNull();
        expect((await repos.projects.listForUser(stranger.id, { limit: 10 })).items).toEqual([]);
      });

      it("when a project is updated, then only the patched fields and updatedAt change", async () => {
        const { project: p } = await owned();
        const at = tick();

        const updated = await repos.projects.update(p.id, { name: "Renamed", language: "ja" }, at);

        expect(updated).toEqual({ ...p, name: "Renamed", language: "ja", updatedAt: at });
        expect(await repos.projects.findById(p.id)).toEqual(updated);
        expect(await repos.projects.update("prj_missing", { name: "x" }, at)).toBeNull();
      });

      it("when a project's LLM provider is set, changed and cleared, then every read returns the current choice", async () => {
        const owner = await repos.users.create(user());
        const p = await repos.projects.create(
          { ...project(), llm: { provider: "openai-compatible", model: "llama3.1:8b" } },
          owner.id,
        );

        const created = await repos.projects.findById(p.id);
        const renamed = await repos.projects.update(p.id, { name: "Renamed" }, tick());
        const changed = await repos.projects.update(p.id, { llm: { provider: "anthropic" } }, tick());
        const listed = (await repos.projects.listForUser(owner.id, { limit: 10 })).items[0];
        const cleared = await repos.projects.update(p.id, { llm: null }, tick());

        expect(created?.llm).toEqual({ provider: "openai-compatible", model: "llama3.1:8b" });
        expect(renamed?.llm).toEqual({ provider: "openai-compatible", model: "llama3.1:8b" });
        expect(changed?.llm).toEqual({ provider: "anthropic" });
        expect(listed?.llm).toEqual({ provider: "anthropic" });
        expect(cleared?.llm).toBeNull();
        expect((await repos.projects.findById(p.id))?.llm).toBeNull();
      });

      it("when a user's projects are paged, then every project appears once, newest first, with the user's role", async () => {
        const owner = await repos.users.create(user());
        const created: string[] = [];
        for (let i = 0; i < 7; i++)
          created.push((await repos.projects.create(project(`p${i}`), owner.id)).id);

        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await repos.projects.listForUser(owner.id, { limit: 3, cursor });
          expect(page.items.every((p) => p.role === "owner")).toBe(true);
          seen.push(...page.items.map((p) => p.id));
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor);

        expect(pages).toBe(3);
        expect(seen).toEqual([...created].reverse());
      });

      it("when projects are inserted between page reads, then the remaining pages still hold each older project exactly once", async () => {
        const owner = await repos.users.create(user());
        const created: string[] = [];
        for (let i = 0; i < 6; i++)
          created.push((await repos.projects.create(project(`p${i}`), owner.id)).id);

        const first = await repos.projects.listForUser(owner.id, { limit: 2 });
        await repos.projects.create(project("newer"), owner.id);
        const seen = first.items.map((p) => p.id);
        let cursor = first.nextCursor ?? undefined;
        while (cursor) {
          const page = await repos.projects.listForUser(owner.id, { limit: 2, cursor });
          seen.push(...page.items.map((p) => p.id));
          cursor = page.nextCursor ?? undefined;
        }

        expect(seen).toEqual([...created].reverse());
      });

      it("when a cursor is garbage, then listing fails with validation_failed", async () => {
        const owner = await repos.users.create(user());

        const code = await errorCodeOf(
          repos.projects.listForUser(owner.id, { limit: 2, cursor: "not-a-cursor!" }),
        );

        expect(code).toBe("validation_failed");
      });
    });

    describe("documents", () => {
      it("when the same bytes are uploaded twice to a project, then the first document is returned and nothing is added", async () => {
        const { owner, project: p } = await owned();
        const first = documentOf(p.id, owner.id, "same bytes");

        const a = await repos.documents.createOrGetBySha(first);
        const b = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id, "same bytes"));

        expect(a).toEqual({ document: first, created: true });
        expect(b.created).toBe(false);
        expect(b.document.id).toBe(first.id);
        expect((await repos.documents.listByProject(p.id, { limit: 10 })).items).toHaveLength(1);
      });

      it("when the same bytes go to two projects, then each project gets its own document", async () => {
        const { owner, project: p1 } = await owned();
        const p2 = await repos.projects.create(project(), owner.id);

        const a = await repos.documents.createOrGetBySha(documentOf(p1.id, owner.id, "bytes"));
        const b = await repos.documents.createOrGetBySha(documentOf(p2.id, owner.id, "bytes"));

        expect(a.created && b.created).toBe(true);
        expect(a.document.id).not.toBe(b.document.id);
      });

      it("when the same bytes are uploaded concurrently, then exactly one document is created", async () => {
        const { owner, project: p } = await owned();

        const results = await Promise.all(
          Array.from({ length: 8 }, () =>
            repos.documents.createOrGetBySha(documentOf(p.id, owner.id, "race")),
          ),
        );

        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.document.id)).size).toBe(1);
      });

      it("when a document is updated, then progress, error and metadata round-trip", async () => {
        const { owner, project: p } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        const at = tick();

        const updated = await repos.documents.update(
          document.id,
          {
            status: "failed",
            progress: { stage: "extracting", done: 2, total: 5 },
            error: { code: "pdf_corrupt", detail: "bad xref" },
            pageCount: 5,
            metadata: {
              title: "論文",
              authors: ["A", "B"],
              abstract: null,
              doi: "10.1/x",
              year: 2024,
              language: "ja",
            },
          },
          at,
        );

        expect(updated).toEqual({
          ...document,
          status: "failed",
          progress: { stage: "extracting", done: 2, total: 5 },
          error: { code: "pdf_corrupt", detail: "bad xref" },
          pageCount: 5,
          metadata: {
            title: "論文",
            authors: ["A", "B"],
            abstract: null,
            doi: "10.1/x",
            year: 2024,
            language: "ja",
          },
          updatedAt: at,
        });
        expect(await repos.documents.findById(document.id)).toEqual(updated);
        expect(
          (await repos.documents.update(document.id, { progress: null, error: null }, tick()))?.progress,
        ).toBeNull();
        expect(await repos.documents.update("doc_missing", { status: "ready" }, tick())).toBeNull();
      });

      it("when documents are listed by status and paged, then each matching document appears once, newest first", async () => {
        const { owner, project: p } = await owned();
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
          if (i % 2 === 0) await repos.documents.update(document.id, { status: "ready" }, tick());
          ids.push(document.id);
        }

        const first = await repos.documents.listByProject(p.id, { limit: 2, status: "ready" });
        const second = await repos.documents.listByProject(p.id, {
          limit: 2,
          status: "ready",
          cursor: first.nextCursor ?? undefined,
        });

        expect([...first.items, ...second.items].map((d) => d.id)).toEqual([ids[4], ids[2], ids[0]]);
        expect(second.nextCursor).toBeNull();
      });

      it("when documents are fetched by ids, then missing ids are skipped", async () => {
        const { owner, project: p } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));

        const found = await repos.documents.findMany([document.id, "doc_missing"]);

        expect(found.map((d) => d.id)).toEqual([document.id]);
        expect(await repos.documents.findMany([])).toEqual([]);
      });
    });

    describe("pages and chunks", () => {
      it("when pages are replaced twice, then the second set is what is stored, in order and with spans", async () => {
        const { owner, project: p } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        await repos.pages.replaceAll(document.id, [
          pageOf(document.id, 1),
          pageOf(document.id, 2),
          pageOf(document.id, 9),
        ]);

        const pages = [3, 1, 2].map((n) => pageOf(document.id, n));
        await repos.pages.replaceAll(document.id, pages);

        expect(await repos.pages.list(document.id)).toEqual([pages[1], pages[2], pages[0]]);
        expect((await repos.pages.list(document.id, 2, 3)).map((pg) => pg.number)).toEqual([2, 3]);
        expect((await repos.pages.list(document.id, 2)).map((pg) => pg.number)).toEqual([2, 3]);
      });

      it("when chunks are replaced, then they are listed in reading order", async () => {
        const { owner, project: p } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        const chunks = [2, 0, 1].map((i) => chunkOf(document, i));
        await repos.chunks.replaceAll(document.id, [chunkOf(document, 5)]);

        await repos.chunks.replaceAll(document.id, chunks);

        expect(await repos.chunks.listByDocument(document.id)).toEqual([chunks[1], chunks[2], chunks[0]]);
      });
    });

    describe("notes", () => {
      it("when a note is created and updated, then it reads back with the update", async () => {
        const { owner, project: p } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        const note = await repos.notes.create(noteOf(document, owner.id));
        const at = tick();

        const updated = await repos.notes.update(
          note.id,
          {
            status: "ready",
            title: "Summary",
            markdown: "# Summary\n[p. 1]",
            contentHash: sha("md"),
            generator: { provider: "extractive", model: "v1" },
            citations: { total: 2, verified: 1, unverified: 1 },
          },
          at,
        );

        expect(updated).toEqual({
          ...note,
          status: "ready",
          title: "Summary",
          markdown: "# Summary\n[p. 1]",
          contentHash: sha("md"),
          generator: { provider: "extractive", model: "v1" },
          citations: { total: 2, verified: 1, unverified: 1 },
          updatedAt: at,
          revision: 2,
        });
        expect(await repos.notes.findById(note.id)).toEqual(updated);
        expect(await repos.notes.update("note_missing", { status: "failed" }, at)).toBeNull();
      });

      it("when a note is created, then it is at revision 1 and each update moves it up by one", async () => {
        const { owner, project: p } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));

        const note = await repos.notes.create(noteOf(document, owner.id));
        const generated = await repos.notes.update(note.id, { status: "ready", markdown: "# A" }, tick());
        const edited = await repos.notes.updateIfRevision(note.id, 2, { markdown: "# B" }, tick());

        expect(note.revision).toBe(1);
        expect(generated?.revision).toBe(2);
        expect(edited?.revision).toBe(3);
        expect((await repos.notes.findById(note.id))?.revision).toBe(3);
      });

      it("when an edit is based on the current revision, then only the edited fields, updatedAt and revision change", async () => {
        const { owner, project: p } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        const note = await repos.notes.create({
          ...noteOf(document, owner.id),
          status: "ready",
          title: "Old",
        });
        const at = tick();

        const edited = await repos.notes.updateIfRevision(
          note.id,
          1,
          { markdown: "# Mine", contentHash: sha("# Mine") },
          at,
        );

        expect(edited).toEqual({
          ...note,
          markdown: "# Mine",
          contentHash: sha("# Mine"),
          updatedAt: at,
          revision: 2,
        });
        expect(await repos.notes.findById(note.id)).toEqual(edited);
      });

      it("when an edit is based on a stale revision, then nothing is written and it answers null", async () => {
        const { owner, project: p } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        const note = await repos.notes.create(noteOf(document, owner.id));
        const current = await repos.notes.updateIfRevision(note.id, 1, { markdown: "first" }, tick());

        const stale = await repos.notes.updateIfRevision(note.id, 1, { markdown: "second" }, tick());

        expect(stale).toBeNull();
        expect(await repos.notes.findById(note.id)).toEqual(current);
        expect(await repos.notes.updateIfRevision("note_missing", 1, { markdown: "x" }, tick())).toBeNull();
      });

      it("when two edits race with the same expected revision, then exactly one is applied", async () => {
        const { owner, project: p } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        const note = await repos.notes.create(noteOf(document, owner.id));

        const results = await Promise.all(
          ["alice", "bob", "carol", "dave"].map((who) =>
            repos.notes.updateIfRevision(note.id, 1, { markdown: `by ${who}` }, tick()),
          ),
        );

        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        const stored = await repos.notes.findById(note.id);
        expect(stored?.revision).toBe(2);
        expect(stored?.markdown).toBe(winners[0]?.markdown);
      });

      it("when notes are listed for one document, then only that document's notes come, newest first", async () => {
        const { owner, project: p } = await owned();
        const { document: d1 } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        const { document: d2 } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        const a = await repos.notes.create(noteOf(d1, owner.id));
        const b = await repos.notes.create(noteOf(d2, owner.id));
        const c = await repos.notes.create(noteOf(d1, owner.id));

        const all = await repos.notes.listByProject(p.id, { limit: 10 });
        const ofD1 = await repos.notes.listByProject(p.id, { limit: 10, documentId: d1.id });

        expect(all.items.map((n) => n.id)).toEqual([c.id, b.id, a.id]);
        expect(ofD1.items.map((n) => n.id)).toEqual([c.id, a.id]);
      });

      it("when a note is deleted, then it is gone", async () => {
        const { owner, project: p } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        const note = await repos.notes.create(noteOf(document, owner.id));

        await repos.notes.delete(note.id);

        expect(await repos.notes.findById(note.id)).toBeNull();
      });

      it("when notes carry a cache key, then only the project's newest ready note with that key is found", async () => {
        const { owner, project: p } = await owned();
        const { project: other } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        const { document: elsewhere } = await repos.documents.createOrGetBySha(
          documentOf(other.id, owner.id),
        );
        const pending = await repos.notes.create({ ...noteOf(document, owner.id), cacheKey: "k1" });
        const older = await repos.notes.create({
          ...noteOf(document, owner.id),
          cacheKey: "k1",
          status: "ready",
        });
        const newer = await repos.notes.create({
          ...noteOf(document, owner.id),
          cacheKey: "k1",
          status: "ready",
        });
        await repos.notes.create({ ...noteOf(document, owner.id), cacheKey: "k2", status: "ready" });
        await repos.notes.create({ ...noteOf(elsewhere, owner.id), cacheKey: "k3", status: "ready" });

        expect((await repos.notes.findReadyByCacheKey(p.id, "k1"))?.id).toBe(newer.id);
        expect(await repos.notes.findById(older.id)).toEqual(older);
        expect((await repos.notes.findById(pending.id))?.cacheKey).toBe("k1");
        expect(await repos.notes.findReadyByCacheKey(p.id, "k3")).toBeNull();
        expect(await repos.notes.findReadyByCacheKey(p.id, "missing")).toBeNull();
      });
    });

    describe("templates", () => {
      it("when a template is created and updated, then it reads back with the update, empty strings and null kept", async () => {
        const { owner, project: p } = await owned();
        const t = await repos.templates.create({ ...templateOf(p.id, owner.id), language: "ja" });

        const at = tick();
        const updated = await repos.templates.update(
          t.id,
          { name: "Renamed", language: null, prompt: "Focus on 手法.", description: "" },
          at,
        );

        expect(updated).toEqual({
          ...t,
          name: "Renamed",
          language: null,
          prompt: "Focus on 手法.",
          updatedAt: at,
        });
        expect(await repos.templates.findById(t.id)).toEqual(updated);
      });

      it("when a second template takes a name of the project in another case, then it fails with conflict, in another project it is fine", async () => {
        const { owner, project: p } = await owned();
        const { project: other } = await owned();
        await repos.templates.create(templateOf(p.id, owner.id, "Reading note"));

        const error = await errorCodeOf(repos.templates.create(templateOf(p.id, owner.id, "READING NOTE")));
        const elsewhere = await repos.templates.create(templateOf(other.id, owner.id, "reading note"));

        expect(error).toBe("conflict");
        expect(elsewhere.name).toBe("reading note");
        expect(await repos.templates.countByProject(p.id)).toBe(1);
      });

      it("when a template is renamed to a name taken in its project, then it fails with conflict and keeps its name", async () => {
        const { owner, project: p } = await owned();
        await repos.templates.create(templateOf(p.id, owner.id, "Alpha"));
        const beta = await repos.templates.create(templateOf(p.id, owner.id, "Beta"));

        const error = await errorCodeOf(repos.templates.update(beta.id, { name: "alpha" }, tick()));

        expect(error).toBe("conflict");
        expect((await repos.templates.findById(beta.id))?.name).toBe("Beta");
      });

      it("when two templates of the same name are created at once, then exactly one is stored", async () => {
        const { owner, project: p } = await owned();

        const results = await Promise.allSettled(
          [0, 1, 2, 3].map(() => repos.templates.create(templateOf(p.id, owner.id, "Same"))),
        );

        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        expect(await repos.templates.listByProject(p.id)).toHaveLength(1);
      });

      it("when templates are listed, then only the project's come, by name ignoring case", async () => {
        const { owner, project: p } = await owned();
        const { project: other } = await owned();
        await repos.templates.create(templateOf(p.id, owner.id, "beta"));
        await repos.templates.create(templateOf(p.id, owner.id, "Alpha"));
        await repos.templates.create(templateOf(other.id, owner.id, "Gamma"));

        const names = (await repos.templates.listByProject(p.id)).map((t) => t.name);

        expect(names).toEqual(["Alpha", "beta"]);
      });

      it("when a template is deleted, then it is gone and a second delete answers false", async () => {
        const { owner, project: p } = await owned();
        const t = await repos.templates.create(templateOf(p.id, owner.id));

        expect(await repos.templates.delete(t.id)).toBe(true);

        expect(await repos.templates.findById(t.id)).toBeNull();
        expect(await repos.templates.delete(t.id)).toBe(false);
        expect(await repos.templates.update(t.id, { name: "x" }, tick())).toBeNull();
      });

      it("when a template is created for a project that does not exist, then it fails with not_found", async () => {
        const { owner } = await owned();

        expect(await errorCodeOf(repos.templates.create(templateOf("prj_missing", owner.id)))).toBe(
          "not_found",
        );
      });
    });

    describe("usage", () => {
      const usageOf = (
        noteId: string,
        userId: string,
        projectId: string,
        at: string,
        costUsd: number | null,
      ) => ({
        noteId,
        userId,
        projectId,
        provider: "openai",
        model: "gpt-4o-mini",
        inputTokens: 1000,
        outputTokens: 100,
        costUsd,
        at,
      });

      it("when a note's usage is recorded twice, then it counts once", async () => {
        const at = "2025-06-10T10:00:00.000Z";

        const first = await repos.usage.record(usageOf("note_1", "usr_a", "prj_1", at, 0.5));
        const second = await repos.usage.record(usageOf("note_1", "usr_a", "prj_1", at, 0.5));

        expect([first, second]).toEqual([true, false]);
        expect(
          await repos.usage.totals({
            userId: "usr_a",
            from: "2025-06-01T00:00:00.000Z",
            to: "2025-07-01T00:00:00.000Z",
          }),
        ).toEqual({ notes: 1, inputTokens: 1000, outputTokens: 100, costUsd: 0.5, unpriced: 0 });
      });

      it("when usage is summed, then it is by user, project and month, unknown prices counted apart", async () => {
        await repos.usage.record(usageOf("note_1", "usr_a", "prj_1", "2025-06-01T00:00:00.000Z", 0.25));
        await repos.usage.record(usageOf("note_2", "usr_a", "prj_2", "2025-06-30T23:59:59.999Z", null));
        await repos.usage.record(usageOf("note_3", "usr_b", "prj_1", "2025-06-15T00:00:00.000Z", 1));
        await repos.usage.record(usageOf("note_4", "usr_a", "prj_1", "2025-07-01T00:00:00.000Z", 2));
        const june = { from: "2025-06-01T00:00:00.000Z", to: "2025-07-01T00:00:00.000Z" };

        expect(await repos.usage.totals({ ...june, userId: "usr_a" })).toEqual({
          notes: 2,
          inputTokens: 2000,
          outputTokens: 200,
          costUsd: 0.25,
          unpriced: 1,
        });
        expect((await repos.usage.totals({ ...june, projectId: "prj_1" })).costUsd).toBe(1.25);
        expect((await repos.usage.totals({ ...june, userId: "usr_a", projectId: "prj_1" })).notes).toBe(1);
        expect(await repos.usage.totalsByProject("usr_a", june.from, june.to)).toEqual([
          { projectId: "prj_1", notes: 1, inputTokens: 1000, outputTokens: 100, costUsd: 0.25, unpriced: 0 },
          { projectId: "prj_2", notes: 1, inputTokens: 1000, outputTokens: 100, costUsd: 0, unpriced: 1 },
        ]);
        expect(await repos.usage.totals({ ...june, userId: "usr_nobody" })).toEqual({
          notes: 0,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          unpriced: 0,
        });
      });
    });

    describe("cascading deletes", () => {
      it("when a document is deleted, then its pages, chunks and notes go with it and the project's others stay", async () => {
        const { owner, project: p } = await owned();
        const { document: gone } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        const { document: kept } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        for (const d of [gone, kept]) {
          await repos.pages.replaceAll(d.id, [pageOf(d.id, 1)]);
          await repos.chunks.replaceAll(d.id, [chunkOf(d, 0)]);
        }
        const note = await repos.notes.create(noteOf(gone, owner.id));
        const keptNote = await repos.notes.create(noteOf(kept, owner.id));

        await repos.documents.delete(gone.id);

        expect(await repos.documents.findById(gone.id)).toBeNull();
        expect(await repos.pages.list(gone.id)).toEqual([]);
        expect(await repos.chunks.listByDocument(gone.id)).toEqual([]);
        expect(await repos.notes.findById(note.id)).toBeNull();
        expect(await repos.pages.list(kept.id)).toHaveLength(1);
        expect(await repos.chunks.listByDocument(kept.id)).toHaveLength(1);
        expect(await repos.notes.findById(keptNote.id)).not.toBeNull();
      });

      it("when a project is deleted, then its memberships, documents, pages, chunks, notes and templates are gone but its users stay", async () => {
        const { owner, project: p } = await owned();
        const { project: other } = await owned();
        const member = await repos.users.create(user());
        await repos.projects.addMember({
          projectId: p.id,
          userId: member.id,
          role: "editor",
          addedAt: tick(),
        });
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id));
        await repos.pages.replaceAll(document.id, [pageOf(document.id, 1)]);
        await repos.chunks.replaceAll(document.id, [chunkOf(document, 0)]);
        const note = await repos.notes.create(noteOf(document, owner.id));
        const template = await repos.templates.create(templateOf(p.id, owner.id));
        const kept = await repos.templates.create(templateOf(other.id, owner.id));

        await repos.projects.delete(p.id);

        expect(await repos.templates.findById(template.id)).toBeNull();
        expect(await repos.templates.findById(kept.id)).not.toBeNull();

        expect(await repos.projects.findById(p.id)).toBeNull();
        expect(await repos.projects.roleOf(p.id, member.id)).toBeNull();
        expect(await repos.projects.listMembers(p.id)).toEqual([]);
        expect(await repos.projects.projectIdsForUser(owner.id)).toEqual([]);
        expect(await repos.documents.findById(document.id)).toBeNull();
        expect(await repos.pages.list(document.id)).toEqual([]);
        expect(await repos.chunks.listByDocument(document.id)).toEqual([]);
        expect(await repos.notes.findById(note.id)).toBeNull();
        expect(await repos.users.findById(member.id)).not.toBeNull();
        expect(await repos.projects.findById(other.id)).not.toBeNull();
      });

      it("when the same bytes are uploaded again after their document was deleted, then a new document is created", async () => {
        const { owner, project: p } = await owned();
        const { document } = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id, "again"));
        await repos.documents.delete(document.id);

        const again = await repos.documents.createOrGetBySha(documentOf(p.id, owner.id, "again"));

        expect(again.created).toBe(true);
      });
    });

    describe("idempotency keys", () => {
      const answer = { status: 202, body: { id: "doc_1", nested: [1, "二"] }, headers: { ETag: '"2"' } };

      it("when a key is claimed, then a second claim sees it in flight until its answer is stored, per user", async () => {
        const first = await repos.idempotency.claim(
          "usr_a",
          "key-1",
          "h1",
          tick(),
          "1970-01-01T00:00:00.000Z",
        );
        const inFlight = await repos.idempotency.claim(
          "usr_a",
          "key-1",
          "h1",
          tick(),
          "1970-01-01T00:00:00.000Z",
        );
        await repos.idempotency.complete("usr_a", "key-1", answer);
        const done = await repos.idempotency.claim(
          "usr_a",
          "key-1",
          "h2",
          tick(),
          "1970-01-01T00:00:00.000Z",
        );

        expect(first).toBeNull();
        expect(inFlight).toMatchObject({ requestHash: "h1", response: null });
        expect(done).toMatchObject({ requestHash: "h1", response: answer });
        expect(await repos.idempotency.find("usr_a", "key-1")).toMatchObject({ response: answer });
        expect(await repos.idempotency.find("usr_b", "key-1")).toBeNull();
        expect(
          await repos.idempotency.claim("usr_b", "key-1", "h1", tick(), "1970-01-01T00:00:00.000Z"),
        ).toBeNull();
      });

      it("when a claim is released, then the key can be claimed again, but a stored answer is never released", async () => {
        await repos.idempotency.claim("usr_a", "key-2", "h1", tick(), "1970-01-01T00:00:00.000Z");
        await repos.idempotency.release("usr_a", "key-2");
        const again = await repos.idempotency.claim(
          "usr_a",
          "key-2",
          "h1",
          tick(),
          "1970-01-01T00:00:00.000Z",
        );
        await repos.idempotency.complete("usr_a", "key-2", answer);
        await repos.idempotency.release("usr_a", "key-2");

        expect(again).toBeNull();
        expect(await repos.idempotency.find("usr_a", "key-2")).toMatchObject({ response: answer });
      });

      it("when a claim was abandoned before the stale time, then a new claim takes it over; a fresh one it does not", async () => {
        const abandonedAt = tick();
        await repos.idempotency.claim("usr_a", "key-3", "h1", abandonedAt, "1970-01-01T00:00:00.000Z");
        const staleBefore = tick();
        const fresh = tick();
        await repos.idempotency.claim("usr_a", "key-4", "h1", fresh, "1970-01-01T00:00:00.000Z");

        const takeover = await repos.idempotency.claim("usr_a", "key-3", "h2", tick(), staleBefore);
        const blocked = await repos.idempotency.claim("usr_a", "key-4", "h2", tick(), staleBefore);

        expect(takeover).toBeNull();
        expect(await repos.idempotency.find("usr_a", "key-3")).toMatchObject({
          requestHash: "h2",
          response: null,
        });
        expect(blocked).toMatchObject({ requestHash: "h1", response: null });
      });
    });

    it("when the store is open, then ping answers true", async () => {
      expect(await repos.ping()).toBe(true);
    });
  });
}
