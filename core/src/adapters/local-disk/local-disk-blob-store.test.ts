import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeBlobStore } from "../../ports/contracts/blob-store.contract.ts";
import { tempDir, type TempDir } from "../../testing/index.ts";
import { LocalDiskBlobStore } from "./local-disk-blob-store.ts";

async function* failing(): AsyncGenerator<Uint8Array> {
  yield new Uint8Array(1024);
  throw new Error("client went away");
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("LocalDiskBlobStore", () => {
  describeBlobStore(async () => {
    const dir = tempDir();
    return { adapter: new LocalDiskBlobStore(join(dir.path, "blobs")), cleanup: dir.cleanup };
  });

  it("when a put fails midway, then no file (not even a temp file) is left on disk", async () => {
    const dir = tempDir();
    const store = new LocalDiskBlobStore(dir.path);

    await expect(store.put("documents/doc_1/original", failing())).rejects.toThrow("client went away");

    expect(await listFiles(dir.path)).toEqual([]);
    await dir.cleanup();
  });

  it("when a blob is stored, then it is a file under the root at the key's path", async () => {
    const dir = tempDir();
    const store = new LocalDiskBlobStore(dir.path);

    await store.put(
      "documents/doc_1/original",
      (async function* () {
        yield new TextEncoder().encode("pdf");
      })(),
    );

    expect(await listFiles(dir.path)).toEqual([join(dir.path, "documents/doc_1/original")]);
    await dir.cleanup();
  });
});

describe("LocalDiskBlobStore: what a failed or killed upload leaves", () => {
  const hex = () => randomBytes(8).toString("hex");
  const modeOf = (path: string) => statSync(path).mode & 0o777;
  let dir: TempDir;
  let umask: number;
  beforeEach(() => {
    dir = tempDir();
    umask = process.umask(0o022); // the usual umask, under which files would be 0644
  });
  afterEach(async () => {
    process.umask(umask);
    await dir.cleanup();
  });

  /** The temp-name prefix this process writes (`.<host tag>-`), read off a put in progress. */
  async function ownTempPrefix(store: LocalDiskBlobStore, root: string): Promise<string> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const put = store.put(
      "documents/doc_probe/original",
      (async function* () {
        await held;
        yield* [];
        throw new Error("probe done");
      })(),
    );
    let names: string[] = [];
    while (names.length === 0) {
      names = readdirSync(join(root, ".tmp"));
      await new Promise((r) => setTimeout(r, 5));
    }
    release();
    await put.catch(() => undefined);
    return names[0]!.slice(0, names[0]!.indexOf("-") + 1);
  }

  /** A PID no process has: one of a child that has exited. */
  function deadPid(): number {
    const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    return Number(child.stdout.toString());
  }

  it("when a put fails, then not even its folder is made; when a blob is deleted, then its empty folders go with it", async () => {
    const store = new LocalDiskBlobStore(dir.path);

    await expect(store.put("documents/doc_1/original", failing())).rejects.toThrow("client went away");
    const afterFailure = readdirSync(dir.path, { recursive: true });
    await store.put(
      "documents/doc_2/original",
      (async function* () {
        yield new Uint8Array([1]);
      })(),
    );
    await store.put(
      "documents/doc_3/original",
      (async function* () {
        yield new Uint8Array([1]);
      })(),
    );
    await store.delete("documents/doc_2/original");
    const afterOneDelete = readdirSync(dir.path, { recursive: true }).sort();
    await store.delete("documents/doc_3/original");

    expect(afterFailure).toEqual([".tmp"]);
    expect(afterOneDelete).toEqual([
      ".tmp",
      "documents",
      join("documents", "doc_3"),
      join("documents", "doc_3", "original"),
    ]);
    expect(readdirSync(dir.path, { recursive: true })).toEqual([".tmp"]);
  });

  it("when the umask would allow more, then blobs are still 0600 and their folders 0700", async () => {
    process.umask(0o000);
    const store = new LocalDiskBlobStore(join(dir.path, "blobs"));

    await store.put(
      "documents/doc_1/original",
      (async function* () {
        yield new Uint8Array([1]);
      })(),
    );

    expect(modeOf(join(dir.path, "blobs"))).toBe(0o700);
    expect(modeOf(join(dir.path, "blobs", ".tmp"))).toBe(0o700);
    expect(modeOf(join(dir.path, "blobs", "documents"))).toBe(0o700);
    expect(modeOf(join(dir.path, "blobs", "documents", "doc_1"))).toBe(0o700);
    expect(modeOf(join(dir.path, "blobs", "documents", "doc_1", "original"))).toBe(0o600);
  });

  it("when earlier runs left temp files and empty folders, then the start-up sweep removes only dead uploads' temp files, never a blob", async () => {
    const store = new LocalDiskBlobStore(dir.path);
    const own = await ownTempPrefix(store, dir.path);
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const put = (rel: string, old = false) => {
      const path = join(dir.path, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, "partial");
      if (old) utimesSync(path, twoHoursAgo, twoHoursAgo);
      return rel;
    };
    const killed = put(`.tmp/${own}${deadPid()}-${hex()}.tmp`);
    const live = put(`.tmp/${own}${process.pid}-${hex()}.tmp`);
    const otherHostFresh = put(`.tmp/.0badc0de-1-${hex()}.tmp`);
    const otherHostStale = put(`.tmp/.0badc0de-1-${hex()}.tmp`, true);
    const legacyStale = put(`documents/doc_a/.original.${hex()}.tmp`, true);
    const legacyFresh = put(`documents/doc_b/.original.${hex()}.tmp`);
    const blob = put("documents/doc_c/original", true);
    const blobNamedTmp = put("documents/doc_d/notes.tmp", true);
    mkdirSync(join(dir.path, "documents", "doc_e", "empty"), { recursive: true });

    const swept = await store.sweep();
    const left = readdirSync(dir.path, { recursive: true }).sort();

    expect(left).toEqual(
      [
        ".tmp",
        live,
        otherHostFresh,
        "documents",
        "documents/doc_b",
        legacyFresh,
        "documents/doc_c",
        blob,
        "documents/doc_d",
        blobNamedTmp,
      ]
        .map((p) => p.split("/").join(sep))
        .sort(),
    );
    expect(left).not.toContain(killed);
    expect(left).not.toContain(otherHostStale);
    expect(left).not.toContain(legacyStale);
    expect(swept).toMatchObject({ removedTempFiles: 3, removedFolders: 3 }); // doc_a, doc_e/empty, doc_e
  });

  it("when an older version left blobs readable by others, then the sweep narrows them and says which", async () => {
    const root = join(dir.path, "blobs");
    mkdirSync(join(root, "documents", "doc_1"), { recursive: true, mode: 0o755 });
    writeFileSync(join(root, "documents", "doc_1", "original"), "%PDF-1.7", { mode: 0o644 });
    chmodSync(root, 0o755);

    const store = new LocalDiskBlobStore(root);
    const swept = await store.sweep();
    const again = await store.sweep();

    expect(modeOf(root)).toBe(0o700);
    expect(modeOf(join(root, "documents"))).toBe(0o700);
    expect(modeOf(join(root, "documents", "doc_1"))).toBe(0o700);
    expect(modeOf(join(root, "documents", "doc_1", "original"))).toBe(0o600);
    expect(swept.tightened.changed.map((p) => relative(root, p)).sort()).toEqual(
      ["", "documents", join("documents", "doc_1"), join("documents", "doc_1", "original")].sort(),
    );
    expect(again.tightened.changed).toEqual([]);
  });
});
