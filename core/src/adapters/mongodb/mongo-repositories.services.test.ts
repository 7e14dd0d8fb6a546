import { randomBytes } from "node:crypto";
import mongoose from "mongoose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorCodeOf, waitFor } from "../../ports/contracts/contract-helpers.ts";
import { describeRepositories } from "../../ports/contracts/repositories.contract.ts";
import { serviceUrl } from "../../testing/services.ts";
import { startTcpProxy, type TcpProxy } from "../../testing/tcp-proxy.ts";
import { openMongoRepositories, type MongoRepositories } from "./mongo-repositories.ts";

const url = serviceUrl("AA_TEST_MONGODB_URL", "MongoDB adapter");

/** A database name no other test uses. */
const freshDbName = (): string => `aa_test_${randomBytes(6).toString("hex")}`;

/** `url` with its host and port replaced by 127.0.0.1:`port`. */
const viaPort = (base: string, port: number): string =>
  base.replace(/^mongodb:\/\/[^/]+/, `mongodb://127.0.0.1:${port}`);

const portOf = (base: string): number => Number(/^mongodb:\/\/[^/:]+:(\d+)/.exec(base)?.[1] ?? 27017);

/** Milliseconds `promise` takes to settle, and the AppError code it rejects with. */
async function timedFailure(promise: Promise<unknown>): Promise<{ code: string; ms: number }> {
  const started = Date.now();
  const code = await errorCodeOf(promise);
  return { code, ms: Date.now() - started };
}

const at = (): string => new Date().toISOString();

describe.skipIf(!url)("MongoRepositories on a MongoDB wire-protocol server (FerretDB)", () => {
  describeRepositories(async () => {
    const adapter = await openMongoRepositories({ url: url!, dbName: freshDbName() });
    return {
      adapter,
      cleanup: async () => {
        await adapter.dropDatabase().catch(() => undefined);
        await adapter.close();
      },
    };
  });

  describe("when the database goes away", () => {
    let proxy: TcpProxy;
    let repos: MongoRepositories;

    beforeEach(async () => {
      proxy = await startTcpProxy(portOf(url!));
      repos = await openMongoRepositories({ url: viaPort(url!, proxy.port), dbName: freshDbName() });
    });
    afterEach(async () => {
      await proxy.restore();
      await repos.dropDatabase().catch(() => undefined);
      await repos.close();
      await proxy.close();
    });

    it("when the server is unreachable, then every call fails with service_unavailable within 3 s and ping is false", async () => {
      const user = {
        id: "usr_1",
        email: "a@example.org",
        name: "A",
        passwordHash: null,
        createdAt: at(),
      };
      await repos.users.create(user);
      await proxy.cut();

      const calls: [string, () => Promise<unknown>][] = [
        ["users.count", () => repos.users.count()],
        ["users.findByEmail", () => repos.users.findByEmail("a@example.org")],
        ["users.create", () => repos.users.create({ ...user, id: "usr_2", email: "b@example.org" })],
        ["projects.listForUser", () => repos.projects.listForUser("usr_1", { limit: 10 })],
        ["projects.roleOf", () => repos.projects.roleOf("prj_1", "usr_1")],
        ["documents.findById", () => repos.documents.findById("doc_1")],
        ["notes.updateIfRevision", () => repos.notes.updateIfRevision("note_1", 1, { markdown: "x" }, at())],
        ["usage.totals", () => repos.usage.totals({ from: at(), to: at() })],
        ["idempotency.claim", () => repos.idempotency.claim("usr_1", "k", "h", at(), at())],
      ];
      const results: Record<string, { code: string; ms: number }> = {};
      for (const [name, call] of calls) results[name] = await timedFailure(call());
      const pingStarted = Date.now();
      const ping = await repos.ping();
      const pingMs = Date.now() - pingStarted;

      for (const [name, r] of Object.entries(results)) {
        expect({ name, code: r.code }).toEqual({ name, code: "service_unavailable" });
        expect(r.ms, name).toBeLessThan(3000);
      }
      expect(ping).toBe(false);
      expect(pingMs).toBeLessThan(3000);
    });

    it("when the server is back, then the same adapter works again without being reopened", async () => {
      await proxy.cut();
      expect(await errorCodeOf(repos.users.count())).toBe("service_unavailable");

      await proxy.restore();
      const count = await waitFor(
        async () => {
          try {
            return await repos.users.count();
          } catch {
            return undefined;
          }
        },
        15_000,
        "the adapter to reconnect",
      );
      await repos.users.create({
        id: "usr_back",
        email: "back@example.org",
        name: "Back",
        passwordHash: null,
        createdAt: at(),
      });

      expect(count).toBe(0);
      expect((await repos.users.findByEmail("BACK@example.org"))?.id).toBe("usr_back");
      expect(await repos.ping()).toBe(true);
    });
  });

  it("when the server cannot be reached at all, then opening fails with service_unavailable within 3 s", async () => {
    const proxy = await startTcpProxy(portOf(url!));
    await proxy.cut();

    const { code, ms } = await timedFailure(
      openMongoRepositories({ url: viaPort(url!, proxy.port), dbName: freshDbName() }),
    );

    expect(code).toBe("service_unavailable");
    expect(ms).toBeLessThan(3000);
    await proxy.close();
  });

  it("when the adapter is closed, then calls fail with service_unavailable", async () => {
    const repos = await openMongoRepositories({ url: url!, dbName: freshDbName() });
    await repos.dropDatabase();
    await repos.close();

    expect(await errorCodeOf(repos.users.count())).toBe("service_unavailable");
    expect(await repos.ping()).toBe(false);
  });

  describe("without transactions (a crash between two writes)", () => {
    let dbName: string;
    let repos: MongoRepositories;
    let raw: mongoose.Connection;

    beforeAll(async () => {
      raw = await mongoose.createConnection(url!, { serverSelectionTimeoutMS: 2000 }).asPromise();
    });
    afterAll(async () => {
      await raw.close();
    });
    beforeEach(async () => {
      dbName = freshDbName();
      repos = await openMongoRepositories({ url: url!, dbName });
    });
    afterEach(async () => {
      await repos.dropDatabase().catch(() => undefined);
      await repos.close();
    });

    /** A user owning a project with one document that has a page, a chunk and a note. */
    async function seed() {
      const t = at();
      const owner = await repos.users.create({
        id: `usr_${randomBytes(4).toString("hex")}`,
        email: `${randomBytes(4).toString("hex")}@example.org`,
        name: "O",
        passwordHash: null,
        createdAt: t,
      });
      const project = await repos.projects.create(
        { id: "prj_1", name: "P", description: "", language: "en", llm: null, createdAt: t, updatedAt: t },
        owner.id,
      );
      const { document } = await repos.documents.createOrGetBySha({
        id: "doc_1",
        projectId: project.id,
        filename: "a.pdf",
        mediaType: "application/pdf",
        byteSize: 1,
        sha256: "a".repeat(64),
        blobKey: "documents/doc_1/original",
        status: "ready",
        progress: null,
        error: null,
        pageCount: 1,
        metadata: { title: null, authors: [], abstract: null, doi: null, year: null, language: null },
        createdBy: owner.id,
        createdAt: t,
        updatedAt: t,
      });
      await repos.pages.replaceAll(document.id, [
        { documentId: document.id, number: 1, width: 1, height: 1, text: "p", source: "text", spans: [] },
      ]);
      const note = await repos.notes.create({
        id: "note_1",
        projectId: project.id,
        documentId: document.id,
        template: "summary",
        language: "en",
        status: "ready",
        title: null,
        markdown: "# n",
        contentHash: null,
        generator: null,
        citations: null,
        error: null,
        createdBy: owner.id,
        createdAt: t,
        updatedAt: t,
      });
      return { owner, project, document, note };
    }

    it("when a project delete stopped after its first write, then nothing of it is visible and the next open finishes the delete", async () => {
      const { owner, project, document } = await seed();
      await raw
        .useDb(dbName)
        .collection("projects")
        .updateOne(
          { _id: project.id as never },
          {
            $set: { deletingAt: at() },
          },
        );

      const visible = {
        project: await repos.projects.findById(project.id),
        role: await repos.projects.roleOf(project.id, owner.id),
        listed: (await repos.projects.listForUser(owner.id, { limit: 10 })).items,
        ids: await repos.projects.projectIdsForUser(owner.id),
      };
      const reopened = await openMongoRepositories({ url: url!, dbName });
      const leftovers = await Promise.all(
        ["projects", "memberships", "documents", "pages", "notes"].map((c) =>
          raw.useDb(dbName).collection(c).countDocuments(),
        ),
      );
      await reopened.close();

      expect(visible).toEqual({ project: null, role: null, listed: [], ids: [] });
      expect(await repos.documents.findById(document.id)).toBeNull();
      expect(leftovers).toEqual([0, 0, 0, 0, 0]);
    });

    it("when a project create stopped before the owner's membership, then nobody sees the project", async () => {
      const { owner } = await seed();
      const t = at();
      await raw
        .useDb(dbName)
        .collection("projects")
        .insertOne({
          _id: "prj_half" as never,
          name: "Half",
          description: "",
          language: "en",
          createdAt: t,
          updatedAt: t,
          deletingAt: null,
        });

      const listed = (await repos.projects.listForUser(owner.id, { limit: 10 })).items.map((p) => p.id);

      expect(listed).toEqual(["prj_1"]);
      expect(await repos.projects.roleOf("prj_half", owner.id)).toBeNull();
    });

    it("when a document delete stopped half-way, then the document is gone for readers and the same bytes can be uploaded again", async () => {
      const { project, document, note } = await seed();
      await raw.useDb(dbName).collection("notes").deleteMany({ documentId: document.id });
      await raw
        .useDb(dbName)
        .collection("documents")
        .updateOne(
          { _id: document.id as never },
          {
            $set: { deletingAt: at() },
          },
        );

      const listed = await repos.documents.listByProject(project.id, { limit: 10 });
      const again = await repos.documents.createOrGetBySha({ ...document, id: "doc_2" });

      expect(await repos.documents.findById(document.id)).toBeNull();
      expect(listed.items).toEqual([]);
      expect(await repos.notes.findById(note.id)).toBeNull();
      expect(again.created).toBe(true);
      expect(again.document.id).toBe("doc_2");
      expect(await repos.pages.list(document.id)).toEqual([]);
    });

    it("when an editor claimed the next revision and crashed before writing it, then a later edit finishes that change instead of leaving the note stuck", async () => {
      const { note } = await seed();
      await raw
        .useDb(dbName)
        .collection("note_claims")
        .insertOne({
          _id: `${note.id}#2` as never,
          noteId: note.id,
          projectId: note.projectId,
          documentId: note.documentId,
          revision: 2,
          change: { markdown: "# crashed edit", updatedAt: at() },
          claimedAt: Date.now() - 5 * 60_000,
        });

      const stale = await repos.notes.updateIfRevision(note.id, 1, { markdown: "# mine" }, at());
      const rolled = await repos.notes.findById(note.id);
      const next = await repos.notes.updateIfRevision(note.id, 2, { markdown: "# mine" }, at());

      expect(stale).toBeNull();
      expect(rolled).toMatchObject({ revision: 2, markdown: "# crashed edit" });
      expect(next).toMatchObject({ revision: 3, markdown: "# mine" });
    });
  });
});
