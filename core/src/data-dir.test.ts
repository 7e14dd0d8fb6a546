import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync, type Stats } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import BetterSqlite3 from "better-sqlite3";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseCoreConfig } from "./config.ts";
import { OcrPool } from "./extraction/ocr.ts";
import { tempDir, type TempDir } from "./testing/index.ts";
import { createContext, localPaths } from "./wiring.ts";

/** Every path under `root` (itself included, as ".") with its permission bits in octal, folders ending in "/". */
function modesUnder(root: string): Record<string, string> {
  const describe = (info: Stats) => (info.mode & 0o777).toString(8) + (info.isDirectory() ? "/" : "");
  const out: Record<string, string> = { ".": describe(statSync(root)) };
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(root, full)] = describe(statSync(full));
  }
  return out;
}

/** The paths whose mode is not 0600 (files) or 0700 (folders), with their mode. */
const tooOpen = (modes: Record<string, string>) =>
  Object.entries(modes).filter(([, mode]) => mode !== "600" && mode !== "700/");

/** A logger whose JSON lines the test can read. */
function capturingLogger() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { logger: pino({ level: "info" }, sink), lines };
}

describe("DATA_DIR permissions", () => {
  let dir: TempDir;
  let dataDir: string;
  let umask: number;
  beforeEach(() => {
    dir = tempDir();
    dataDir = path.join(dir.path, "data");
    umask = process.umask(0o022);
  });
  afterEach(async () => {
    process.umask(umask);
    await dir.cleanup();
  });

  it("when a DATA_DIR made by an older version is opened, then its files become 0600 and folders 0700, said at info level", async () => {
    // What an older version left under the usual umask: world-readable stores, blobs, secret.
    const files = localPaths(dataDir);
    mkdirSync(path.join(files.blobs, "documents", "doc_1"), { recursive: true });
    mkdirSync(files.tessdata, { recursive: true });
    for (const db of [files.metadata, files.queue, files.events, files.search]) {
      const old = new BetterSqlite3(db);
      old.pragma("journal_mode = WAL");
      old.exec("CREATE TABLE IF NOT EXISTS t (x)");
      old.close();
    }
    writeFileSync(path.join(files.blobs, "documents", "doc_1", "original"), "%PDF-1.7");
    writeFileSync(files.secret, "s".repeat(64));
    writeFileSync(files.discovery, "{}");
    writeFileSync(path.join(files.tessdata, "eng.traineddata"), "data");
    const unfinished = path.join(
      files.blobs,
      "documents",
      "doc_2",
      `.original.${randomBytes(8).toString("hex")}.tmp`,
    );
    mkdirSync(path.dirname(unfinished));
    writeFileSync(unfinished, "half an upload");
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(unfinished, twoHoursAgo, twoHoursAgo);
    chmodSync(dataDir, 0o755);
    expect(modesUnder(dataDir)[path.relative(dataDir, files.metadata)]).toBe("644");
    const { logger, lines } = capturingLogger();

    const app = await createContext(parseCoreConfig({ DATA_DIR: dataDir }), logger);
    await app.close();

    const modes = modesUnder(dataDir);
    expect(tooOpen(modes)).toEqual([]);
    expect(Object.keys(modes)).not.toContain(path.relative(dataDir, unfinished));
    const tightened = lines.find((l) => l.msg.startsWith("DATA_DIR: made files 0600 and folders 0700"));
    expect(tightened?.level).toBe(30); // info
    expect(tightened?.count).toBeGreaterThanOrEqual(10);
    const swept = lines.find((l) => l.msg.startsWith("removed unfinished uploads"));
    expect(swept).toMatchObject({ level: 30, tempFiles: 1, folders: 1 });
  });

  it("when a new DATA_DIR is used under a umask that would allow everything, then every store's files are 0600 and folders 0700", async () => {
    process.umask(0o000);
    const { logger, lines } = capturingLogger();

    const app = await createContext(parseCoreConfig({ DATA_DIR: dataDir }), logger);
    await app.blobs.put(
      "documents/doc_1/original",
      (async function* () {
        yield new TextEncoder().encode("%PDF-1.7");
      })(),
    );
    await app.queue.enqueue(
      "indexing",
      { documentId: "doc_1" },
      { idempotencyKey: "k1", projectId: "prj_1" },
    );
    await app.events.publish({
      type: "document.status",
      projectId: "prj_1",
      documentId: "doc_1",
      jobId: null,
      noteId: null,
      data: { status: "queued" },
    });
    const modes = modesUnder(dataDir);
    await app.close();

    expect(Object.keys(modes)).toEqual(
      expect.arrayContaining([
        "academic-assist.db-wal",
        "academic-assist.db-shm",
        "queue.db-wal",
        "search.db",
      ]),
    );
    expect(tooOpen(modes)).toEqual([]);
    expect(lines.filter((l) => l.msg.startsWith("DATA_DIR:"))).toEqual([]);
  });

  it("when OCR first runs, then the language data it copies under DATA_DIR is 0600 in a 0700 folder", async () => {
    process.umask(0o000);
    const tessdata = localPaths(dataDir).tessdata;

    const pool = new OcrPool({ languages: ["eng"], size: 1, pageTimeoutMs: 60_000, dataDir: tessdata });
    await pool.close();

    expect(modesUnder(tessdata)).toEqual({ ".": "700/", "eng.traineddata": "600" });
  });
});
