import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Fts5SearchIndex } from "../adapters/fts5/fts5-search-index.ts";
import { LocalDiskBlobStore } from "../adapters/local-disk/local-disk-blob-store.ts";
import { SqliteEventBus } from "../adapters/sqlite-events/sqlite-event-bus.ts";
import { SqliteJobQueue } from "../adapters/sqlite-queue/sqlite-job-queue.ts";
import { SqliteRepositories } from "../adapters/sqlite/sqlite-repositories.ts";
import { newId, nowIso } from "../domain/ids.ts";
import type { DocumentRecord } from "../domain/records.ts";
import type { Repositories } from "../ports/index.ts";
import { tempDir, type TempDir } from "../testing/index.ts";
import { localPaths } from "../wiring.ts";
import { runBackendCommand } from "./backup-cli.ts";
import { createBackup } from "./backup.ts";
import { restoreBackup } from "./restore.ts";

const PASSAGE = "Stochastic gradient descent converges on the quokka benchmark";

/** A DATA_DIR as local mode leaves it: a user, a project, a ready document with a blob and an indexed chunk, a note. */
async function populate(dataDir: string, opts: { pendingDocument?: boolean } = {}) {
  const files = localPaths(dataDir);
  const repos = new SqliteRepositories(files.metadata);
  const blobs = new LocalDiskBlobStore(files.blobs);
  const search = new Fts5SearchIndex(files.search);
  const queue = new SqliteJobQueue({ file: files.queue });
  const events = new SqliteEventBus(files.events);
  const at = nowIso();
  const user = await repos.users.create({
    id: newId("usr"),
    email: "ada@example.org",
    name: "Ada",
    passwordHash: null,
    createdAt: at,
  });
  const project = await repos.projects.create(
    {
      id: newId("prj"),
      name: "Papers",
      description: "",
      language: "en",
      llm: null,
      createdAt: at,
      updatedAt: at,
    },
    user.id,
  );
  const makeDoc = async (content: string, status: DocumentRecord["status"]) => {
    const id = newId("doc");
    const bytes = new TextEncoder().encode(content);
    await blobs.put(
      `documents/${id}/original`,
      (async function* () {
        yield bytes;
      })(),
    );
    const { document } = await repos.documents.createOrGetBySha({
      id,
      projectId: project.id,
      filename: "paper.pdf",
      mediaType: "application/pdf",
      byteSize: bytes.byteLength,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      blobKey: `documents/${id}/original`,
      status,
      progress: null,
      error: null,
      pageCount: 1,
      metadata: { title: "Quokkas", authors: [], abstract: null, doi: null, year: null, language: "en" },
      createdBy: user.id,
      createdAt: at,
      updatedAt: at,
    });
    return document;
  };
  const doc = await makeDoc("%PDF-1.7 quokka", "ready");
  const chunk = {
    id: `${doc.id}_c0`,
    documentId: doc.id,
    projectId: project.id,
    ordinal: 0,
    text: PASSAGE,
    pageStart: 1,
    pageEnd: 1,
    section: null,
    tokenCount: 9,
  };
  await repos.chunks.replaceAll(doc.id, [chunk]);
  await search.indexChunks([{ ...chunk, chunkId: chunk.id }]);
  const note: Parameters<Repositories["notes"]["create"]>[0] = {
    id: newId("note"),
    projectId: project.id,
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
    createdBy: user.id,
    createdAt: at,
    updatedAt: at,
  };
  await repos.notes.create(note);
  await repos.notes.update(
    note.id,
    { status: "ready", title: "Quokkas", markdown: "# Quokkas\n- SGD [p. 1]\n" },
    at,
  );
  const pending = opts.pendingDocument ? await makeDoc("%PDF-1.7 pending", "processing") : null;
  writeFileSync(files.secret, "s".repeat(64) + "\n", { mode: 0o600 });
  await queue.close();
  await Promise.all([repos.close(), search.close(), events.close()]);
  return { user, project, doc, note, pending };
}

async function searchHits(dataDir: string, projectId: string, text: string) {
  const search = new Fts5SearchIndex(localPaths(dataDir).search);
  try {
    return (await search.search({ text, projectIds: [projectId], limit: 10, offset: 0 })).hits;
  } finally {
    await search.close();
  }
}

/** Every file under `dir` with its bytes' sha256: "nothing touched" means this stays equal. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const abs = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, abs)] = createHash("sha256").update(readFileSync(abs)).digest("hex");
  }
  return out;
}

function io(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      env,
      cwd,
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

describe("backup and restore of local mode", () => {
  let tmp: TempDir;
  let dataDir: string;
  let backupDir: string;

  beforeEach(() => {
    tmp = tempDir("aa-backup-test-");
    dataDir = path.join(tmp.path, "data");
    backupDir = path.join(tmp.path, "backup");
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it("when a backup is taken, then it holds the stores, the blobs and the secret (0600), with the manifest listing them", async () => {
    await populate(dataDir);
    const run = io(tmp.path);

    const code = await runBackendCommand(["backup", backupDir, "--data-dir", dataDir], run.io);

    expect(run.stderr()).toBe("");
    expect(code).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(backupDir, "manifest.json"), "utf8"));
    expect(manifest.counts).toMatchObject({ users: 1, projects: 1, documents: 1, notes: 1, blobs: 1 });
    expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual(
      expect.arrayContaining(["academic-assist.db", "queue.db", "events.db", "secret.key"]),
    );
    expect(existsSync(path.join(backupDir, "search.db"))).toBe(false);
    expect(statSync(path.join(backupDir, "secret.key")).mode & 0o777).toBe(0o600);
    expect(statSync(backupDir).mode & 0o777).toBe(0o700);
    expect(run.stdout()).toMatch(/1 user, 1 project, 1 document, 1 note/);
    expect(run.stdout()).toMatch(/Warning: the backup holds secret\.key/);
  });

  it("when DATA_DIR is wiped and the backup restored, then the same records, blob, note and search hits are back", async () => {
    const { project, doc, note } = await populate(dataDir);
    await createBackup({ dataDir, target: backupDir });
    rmSync(dataDir, { recursive: true });
    const run = io(tmp.path, { DATA_DIR: dataDir });

    const code = await runBackendCommand(["restore", backupDir], run.io);

    expect(run.stderr()).toBe("");
    expect(code).toBe(0);
    const repos = new SqliteRepositories(localPaths(dataDir).metadata);
    expect((await repos.documents.findById(doc.id))?.sha256).toBe(doc.sha256);
    expect((await repos.notes.findById(note.id))?.markdown).toBe("# Quokkas\n- SGD [p. 1]\n");
    await repos.close();
    expect(readFileSync(path.join(dataDir, "blobs", doc.blobKey), "utf8")).toBe("%PDF-1.7 quokka");
    expect((await searchHits(dataDir, project.id, "quokka benchmark")).map((h) => h.documentId)).toEqual([
      doc.id,
    ]);
    expect(readFileSync(localPaths(dataDir).secret, "utf8")).toBe("s".repeat(64) + "\n");
    expect(run.stdout()).toMatch(/search index rebuilt: 1 document, 1 passage/);
  });

  it("when restoring over existing data, then the previous data is kept beside DATA_DIR unless --no-keep", async () => {
    await populate(dataDir);
    await createBackup({ dataDir, target: backupDir });
    writeFileSync(path.join(dataDir, "marker"), "before");

    const kept = await restoreBackup({ source: backupDir, dataDir });
    const dropped = await restoreBackup({ source: backupDir, dataDir, keep: false });

    expect(kept.previous).toMatch(/data\.before-restore-/);
    expect(readFileSync(path.join(kept.previous!, "marker"), "utf8")).toBe("before");
    expect(existsSync(path.join(dataDir, "marker"))).toBe(false);
    expect(dropped.previous).toBeNull();
    expect(readdirSync(tmp.path).filter((n) => n.includes("before-restore"))).toHaveLength(1);
  });

  it("when the backup holds a document still processing, then restore queues it again", async () => {
    const { pending } = await populate(dataDir, { pendingDocument: true });
    await createBackup({ dataDir, target: backupDir });
    rmSync(dataDir, { recursive: true });

    const result = await restoreBackup({ source: backupDir, dataDir });

    expect(result.requeued.documents).toBe(1);
    const queue = new SqliteJobQueue({ file: localPaths(dataDir).queue });
    const jobs = await queue.listByProject(pending!.projectId, { limit: 10 });
    await queue.close();
    expect(jobs.items.map((j) => [j.queue, j.status, j.documentId])).toContainEqual([
      "document_processing",
      "queued",
      pending!.id,
    ]);
  });

  it("when the target folder holds other files, then backup refuses and leaves them alone", async () => {
    await populate(dataDir);
    mkdirSync(backupDir);
    writeFileSync(path.join(backupDir, "thesis.tex"), "mine");
    const run = io(tmp.path);

    const code = await runBackendCommand(["backup", backupDir, "--data-dir", dataDir, "--force"], run.io);

    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/is not empty and does not hold a backup/);
    expect(readdirSync(backupDir)).toEqual(["thesis.tex"]);
  });

  it("when the target holds an earlier backup, then backup refuses without --force and replaces it with --force", async () => {
    await populate(dataDir);
    await createBackup({ dataDir, target: backupDir });
    const first = JSON.parse(readFileSync(path.join(backupDir, "manifest.json"), "utf8")).created_at;
    const refused = io(tmp.path);
    const replaced = io(tmp.path);

    const codeRefused = await runBackendCommand(["backup", backupDir, "--data-dir", dataDir], refused.io);
    await new Promise((r) => setTimeout(r, 5));
    const codeReplaced = await runBackendCommand(
      ["backup", backupDir, "--data-dir", dataDir, "--force"],
      replaced.io,
    );

    expect(codeRefused).toBe(1);
    expect(refused.stderr()).toMatch(/already holds an earlier backup\. Pass --force/);
    expect(codeReplaced).toBe(0);
    const second = JSON.parse(readFileSync(path.join(backupDir, "manifest.json"), "utf8")).created_at;
    expect(second > first).toBe(true);
    expect(readdirSync(tmp.path).sort()).toEqual(["backup", "data"]);
  });

  it("when the backup folder is inside DATA_DIR, then backup and restore both refuse", async () => {
    await populate(dataDir);
    const inside = path.join(dataDir, "backups", "today");
    const b = io(tmp.path);
    const r = io(tmp.path);

    const codeBackup = await runBackendCommand(["backup", inside, "--data-dir", dataDir], b.io);
    mkdirSync(inside, { recursive: true });
    const codeRestore = await runBackendCommand(["restore", inside, "--data-dir", dataDir], r.io);

    expect(codeBackup).toBe(1);
    expect(b.stderr()).toMatch(/is inside DATA_DIR/);
    expect(codeRestore).toBe(1);
    expect(r.stderr()).toMatch(/is inside DATA_DIR/);
    expect(readdirSync(inside)).toEqual([]);
  });

  describe("when restore is given a bad backup, then it refuses and DATA_DIR is untouched", () => {
    const cases: [string, (dir: string) => void, RegExp][] = [
      ["a missing folder", (dir) => rmSync(dir, { recursive: true }), /does not exist/],
      [
        "a folder that is not a backup",
        (dir) => {
          rmSync(dir, { recursive: true });
          mkdirSync(dir);
          writeFileSync(path.join(dir, "notes.md"), "# hi");
        },
        /is not an Academic Assist backup/,
      ],
      [
        "a corrupted file (checksum mismatch)",
        (dir) => {
          const blobDir = path.join(dir, "blobs", "documents");
          const blob = path.join(blobDir, readdirSync(blobDir)[0]!, "original");
          const bytes = readFileSync(blob);
          bytes[0] = bytes[0]! ^ 0xff;
          writeFileSync(blob, bytes);
        },
        /does not match its checksum: the backup is damaged\. Nothing was restored/,
      ],
      [
        "a truncated database (size mismatch)",
        (dir) => {
          const db = path.join(dir, "academic-assist.db");
          writeFileSync(db, readFileSync(db).subarray(0, 4096));
        },
        /academic-assist\.db .* has 4096 bytes, the manifest says/,
      ],
      [
        "an interrupted backup (no manifest)",
        (dir) => rmSync(path.join(dir, "manifest.json")),
        /is an incomplete backup: it has no manifest\.json/,
      ],
    ];
    it.each(cases)("%s", async (_what, damage, message) => {
      await populate(dataDir);
      await createBackup({ dataDir, target: backupDir });
      damage(backupDir);
      const before = snapshot(dataDir);
      const run = io(tmp.path);

      const code = await runBackendCommand(["restore", backupDir, "--data-dir", dataDir], run.io);

      expect(code).toBe(1);
      expect(run.stderr()).toMatch(message);
      expect(snapshot(dataDir)).toEqual(before);
      expect(
        readdirSync(tmp.path).filter((n) => n.startsWith(".data") || n.includes("before-restore")),
      ).toEqual([]);
    });
  });

  it("when a process holds DATA_DIR's database open, then restore refuses and names it", async () => {
    await populate(dataDir);
    await createBackup({ dataDir, target: backupDir });
    const holder: ChildProcess = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("node:fs"); fs.openSync(${JSON.stringify(localPaths(dataDir).metadata)}, "r"); console.log("open"); setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise((r) => holder.stdout!.once("data", r));
    const before = snapshot(dataDir);
    const run = io(tmp.path);

    try {
      const code = await runBackendCommand(["restore", backupDir, "--data-dir", dataDir], run.io);

      expect(code).toBe(1);
      expect(run.stderr()).toContain(`Process ${holder.pid} has ${dataDir}'s databases open`);
      expect(snapshot(dataDir)).toEqual(before);
    } finally {
      holder.kill();
    }
  });

  it("when production stores are configured, then the local commands refuse and point to the runbook", async () => {
    const run = io(tmp.path, { MONGODB_URL: "mongodb://db.example.org/aa" });

    const code = await runBackendCommand(["backup", backupDir], run.io);

    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/MONGODB_URL is set.*disaster-recovery\.md/s);
  });

  it("when the search index is lost, then reindex rebuilds it from the stored passages", async () => {
    const { project, doc } = await populate(dataDir);
    rmSync(localPaths(dataDir).search);
    const run = io(tmp.path, { DATA_DIR: dataDir });

    const code = await runBackendCommand(["reindex"], run.io);

    expect(code).toBe(0);
    expect((await searchHits(dataDir, project.id, "stochastic gradient")).map((h) => h.documentId)).toEqual([
      doc.id,
    ]);
  });
});
