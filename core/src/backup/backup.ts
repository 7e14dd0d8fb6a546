import BetterSqlite3 from "better-sqlite3";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { chmod, copyFile, mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { localPaths } from "../wiring.ts";
import { isInside } from "./in-use.ts";
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  BackupError,
  BLOBS_DIR,
  DATABASE_FILES,
  hashFile,
  isBackupPath,
  MANIFEST_FILE,
  readManifest,
  SECRET_FILE,
  type Manifest,
  type ManifestFile,
} from "./manifest.ts";

export interface BackupOptions {
  /** The local DATA_DIR to back up (absolute or relative to the process's cwd). */
  dataDir: string;
  /** The backup folder: must not exist, or be empty, or (with `force`) hold an earlier backup. */
  target: string;
  /** Replace an earlier (complete or interrupted) backup in `target`. */
  force?: boolean;
}

export interface BackupResult {
  dir: string;
  manifest: Manifest;
  /** True when the backup holds `secret.key` (the JWT signing key). */
  holdsSecret: boolean;
}

/** Names a backup folder may contain; anything else makes it "not a backup" for `--force`. */
const KNOWN_ENTRIES = new Set<string>([...DATABASE_FILES, SECRET_FILE, BLOBS_DIR, MANIFEST_FILE]);

async function entriesOf(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    if ((err as NodeJS.ErrnoException).code === "ENOTDIR")
      throw new BackupError(`${dir} is a file, not a folder.`);
    throw err;
  }
}

/**
 * Copies one SQLite store with SQLite's online backup API: a consistent snapshot even while the
 * server and the worker write to it (WAL). The whole file is copied in one step, inside one read
 * transaction, so concurrent writers can never make it restart. The copy is switched to a
 * rollback journal (one self-contained file) and checked with `quick_check`.
 */
async function backupDatabase(source: string, dest: string): Promise<void> {
  const src = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    src.pragma("busy_timeout = 10000");
    await src.backup(dest, { progress: () => 0x7fffffff });
  } finally {
    src.close();
  }
  const copy = new BetterSqlite3(dest);
  try {
    copy.pragma("journal_mode = DELETE");
    const check = copy.pragma("quick_check", { simple: true });
    if (check !== "ok")
      throw new BackupError(`The copy of ${path.basename(source)} failed its check: ${String(check)}`);
  } finally {
    copy.close();
  }
}

/** Streams `from` to `to` hashing what was read, then re-reads `to` and checks it hashes the same. */
async function copyVerified(from: string, to: string): Promise<ManifestFile & { abs: string }> {
  const hash = createHash("sha256");
  let size = 0;
  await mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
  await pipeline(
    createReadStream(from),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.byteLength;
        done(null, chunk);
      },
    }),
    createWriteStream(to, { flags: "wx", mode: 0o600 }),
  );
  const sha256 = hash.digest("hex");
  const written = await hashFile(to);
  if (written.sha256 !== sha256 || written.size !== size) {
    throw new BackupError(
      `The copy of ${from} does not match the original (disk error?). The backup is incomplete.`,
    );
  }
  return { abs: to, path: "", size, sha256 };
}

/** Every file below `dir` (relative, `/`-separated), skipping hidden names (blob temp files). */
async function walk(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return out;
    throw err;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith(".")) continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(path.join(dir, e.name), rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const temp = path.join(dir, `.${MANIFEST_FILE}.tmp`);
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path.join(dir, MANIFEST_FILE));
  // The rename must reach the disk too, or a crash could leave a backup without its manifest.
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Writes a complete backup of `dataDir` into the empty folder `dir`; the manifest comes last. */
async function writeBackup(dataDir: string, dir: string): Promise<BackupResult> {
  const files = localPaths(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const listed: ManifestFile[] = [];
  const add = async (rel: string, abs: string) => {
    if (!isBackupPath(rel)) throw new BackupError(`Refusing to back up ${abs}: unexpected name.`);
    const { sha256, size } = await hashFile(abs);
    listed.push({ path: rel, size, sha256 });
  };

  // Metadata first: blobs are written before their document row, so every document the snapshot
  // holds already has its original on disk when blobs are copied next.
  for (const name of DATABASE_FILES) {
    const source = path.join(dataDir, name);
    if (!existsSync(source)) {
      if (name === "academic-assist.db")
        throw new BackupError(`${source} does not exist: nothing to back up.`);
      continue; // the queue or event store of an instance whose worker never started
    }
    await backupDatabase(source, path.join(dir, name));
    await chmod(path.join(dir, name), 0o600);
    await add(name, path.join(dir, name));
  }

  const meta = new BetterSqlite3(path.join(dir, "academic-assist.db"), { readonly: true });
  const count = (table: string) =>
    meta.prepare<[], number>(`SELECT count(*) FROM ${table}`).pluck().get() ?? 0;
  const counts = {
    users: count("users"),
    projects: count("projects"),
    documents: count("documents"),
    notes: count("notes"),
    chunks: count("chunks"),
    blobs: 0,
  };
  const blobKeys = meta.prepare<[], string>("SELECT blob_key FROM documents ORDER BY blob_key").pluck().all();
  meta.close();

  const blobs = await walk(files.blobs);
  for (const rel of blobs) {
    const copied = await copyVerified(
      path.join(files.blobs, ...rel.split("/")),
      path.join(dir, BLOBS_DIR, ...rel.split("/")),
    );
    listed.push({ path: `${BLOBS_DIR}/${rel}`, size: copied.size, sha256: copied.sha256 });
  }
  counts.blobs = blobs.length;
  const present = new Set(blobs);
  const missing = blobKeys.filter((k) => !present.has(k));

  let holdsSecret = false;
  if (existsSync(files.secret)) {
    await copyFile(files.secret, path.join(dir, SECRET_FILE));
    await chmod(path.join(dir, SECRET_FILE), 0o600);
    await add(SECRET_FILE, path.join(dir, SECRET_FILE));
    holdsSecret = true;
  }

  const manifest: Manifest = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    created_at: new Date().toISOString(),
    source_data_dir: dataDir,
    search_index: "rebuilt-on-restore",
    files: listed,
    counts,
    missing_blobs: missing,
  };
  await writeManifest(dir, manifest);
  return { dir, manifest, holdsSecret };
}

/**
 * Backs up a local-mode DATA_DIR into `target`, safely while the server and the worker run:
 * SQLite online backups of the metadata, queue and event stores; blobs streamed and verified by
 * sha256; `secret.key` (0600); and `manifest.json` (sizes, sha256, counts) written last, so a
 * folder without it is recognisably incomplete. `search.db` is not copied: it is derived from
 * the chunks and rebuilt on restore. Replacing an earlier backup (`force`) writes the new one
 * beside it first, so the earlier one survives a failure.
 */
export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  const dataDir = path.resolve(options.dataDir);
  const target = path.resolve(options.target);
  if (!existsSync(localPaths(dataDir).metadata)) {
    throw new BackupError(
      `${dataDir} holds no Academic Assist data (no academic-assist.db). Set DATA_DIR or pass --data-dir.`,
    );
  }
  if (await isInside(target, dataDir)) {
    throw new BackupError(
      `The backup folder ${target} is inside DATA_DIR (${dataDir}). Choose a folder outside it.`,
    );
  }
  if (await isInside(dataDir, target)) {
    throw new BackupError(
      `DATA_DIR (${dataDir}) is inside the backup folder ${target}. Choose another folder.`,
    );
  }

  const entries = await entriesOf(target);
  if (entries === null || entries.length === 0) return writeBackup(dataDir, target);

  const isBackup = entries.every((e) => KNOWN_ENTRIES.has(e) || e.startsWith("."));
  if (!isBackup) {
    throw new BackupError(
      `${target} is not empty and does not hold a backup. Choose an empty or new folder.`,
    );
  }
  if (!options.force) {
    const what = entries.includes(MANIFEST_FILE) ? "an earlier backup" : "an incomplete backup";
    throw new BackupError(
      `${target} already holds ${what}. Pass --force to replace it, or choose a new folder.`,
    );
  }
  if (entries.includes(MANIFEST_FILE)) await readManifest(target, entries); // only ever replace our own

  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const fresh = `${target}.new-${stamp}`;
  const old = `${target}.old-${stamp}`;
  try {
    const result = await writeBackup(dataDir, fresh);
    await rename(target, old);
    await rename(fresh, target);
    await rm(old, { recursive: true, force: true });
    return { ...result, dir: target };
  } catch (err) {
    await rm(fresh, { recursive: true, force: true }).catch(() => undefined);
    if (!existsSync(target) && existsSync(old)) await rename(old, target).catch(() => undefined);
    throw err;
  }
}

/** Size of a finished backup in bytes (for the summary line). */
export async function backupSize(manifest: Manifest, dir: string): Promise<number> {
  const sizes = await Promise.all(
    manifest.files.map((f) => stat(path.join(dir, f.path)).then((s) => s.size)),
  );
  return sizes.reduce((a, b) => a + b, 0);
}
