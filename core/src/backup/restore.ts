import BetterSqlite3 from "better-sqlite3";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { localPaths } from "../wiring.ts";
import { findUser, isInside } from "./in-use.ts";
import {
  BackupError,
  hashFile,
  MANIFEST_FILE,
  readManifest,
  SECRET_FILE,
  type Manifest,
} from "./manifest.ts";
import { rebuildLocalSearchIndex, requeueUnfinished, type RequeueResult } from "./recovery.ts";

export interface RestoreOptions {
  /** The backup folder (written by `createBackup`). */
  source: string;
  /** The local DATA_DIR to replace; it may not exist (a wiped or new machine). */
  dataDir: string;
  /** Delete the previous DATA_DIR instead of keeping it as `<DATA_DIR>.before-restore-<timestamp>`. */
  keep?: boolean;
}

export interface RestoreResult {
  manifest: Manifest;
  dataDir: string;
  /** Where the data that was there before now is, or null (none, or `keep: false`). */
  previous: string | null;
  search: { documents: number; chunks: number };
  requeued: RequeueResult;
}

/**
 * Checks a backup without changing anything: the manifest is ours and complete, and every file it
 * lists is there with its size and sha256. Throws a BackupError naming the first problem.
 */
export async function verifyBackup(dir: string): Promise<Manifest> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new BackupError(`${dir} does not exist.`);
    if (code === "ENOTDIR") throw new BackupError(`${dir} is a file, not a backup folder.`);
    throw err;
  }
  const manifest = await readManifest(dir, entries);
  if (!manifest.files.some((f) => f.path === "academic-assist.db")) {
    throw new BackupError(`${dir}/${MANIFEST_FILE} lists no academic-assist.db: not a usable backup.`);
  }
  for (const f of manifest.files) {
    const abs = path.join(dir, ...f.path.split("/"));
    let size: number;
    try {
      size = (await stat(abs)).size;
    } catch {
      throw new BackupError(`${f.path} is missing from the backup ${dir}. Nothing was restored.`);
    }
    if (size !== f.size) {
      throw new BackupError(
        `${f.path} in ${dir} has ${size} bytes, the manifest says ${f.size}: the backup is damaged. Nothing was restored.`,
      );
    }
    if ((await hashFile(abs)).sha256 !== f.sha256) {
      throw new BackupError(
        `${f.path} in ${dir} does not match its checksum: the backup is damaged. Nothing was restored.`,
      );
    }
  }
  return manifest;
}

/** Copies every file of the manifest into `into`, checking each copy's checksum again. */
async function copyBackup(dir: string, manifest: Manifest, into: string): Promise<void> {
  await mkdir(into, { recursive: true, mode: 0o700 });
  for (const f of manifest.files) {
    const to = path.join(into, ...f.path.split("/"));
    await mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
    await copyFile(path.join(dir, ...f.path.split("/")), to);
    if ((await hashFile(to)).sha256 !== f.sha256) {
      throw new BackupError(`The restored copy of ${f.path} does not match its checksum (disk error?).`);
    }
    if (f.path === SECRET_FILE || f.path.endsWith(".db")) await chmod(to, 0o600);
  }
  for (const f of manifest.files.filter((x) => x.path.endsWith(".db"))) {
    const db = new BetterSqlite3(path.join(into, f.path), { fileMustExist: true });
    try {
      const check = db.pragma("quick_check", { simple: true });
      if (check !== "ok") throw new BackupError(`${f.path} in the backup is damaged: ${String(check)}`);
    } finally {
      db.close();
    }
  }
}

/**
 * Restores a backup over a local DATA_DIR. Refuses while a server or worker uses DATA_DIR, and
 * verifies every checksum before touching anything. The data is assembled in a folder next to
 * DATA_DIR (same file system), the search index is rebuilt there from the restored chunks and
 * unfinished work is queued again; then the folders are swapped by rename. The previous data is
 * kept as `<DATA_DIR>.before-restore-<timestamp>` unless `keep` is false.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const source = path.resolve(options.source);
  const dataDir = path.resolve(options.dataDir);
  if (!existsSync(source)) throw new BackupError(`${source} does not exist.`);
  if (await isInside(source, dataDir)) {
    throw new BackupError(
      `The backup ${source} is inside DATA_DIR (${dataDir}), which a restore replaces. Move the backup out of it first.`,
    );
  }
  const user = await findUser(dataDir);
  if (user) {
    throw new BackupError(
      user.by === "server"
        ? `A server (pid ${user.pid}, ${user.url}) is running on ${dataDir}. Stop it and its worker, then restore.`
        : `Process ${user.pid} has ${dataDir}'s databases open (a server or worker?). Stop it, then restore.`,
    );
  }
  const manifest = await verifyBackup(source);

  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const staging = path.join(path.dirname(dataDir), `.${path.basename(dataDir)}.restore-${stamp}`);
  let search: RestoreResult["search"];
  let requeued: RequeueResult;
  try {
    await copyBackup(source, manifest, staging);
    // The discovery file is not in a backup (it names a process and a URL); carrying the current
    // one over lets the server keep its token when the restored data still knows it.
    const discovery = localPaths(dataDir).discovery;
    if (existsSync(discovery)) await copyFile(discovery, localPaths(staging).discovery);
    search = await rebuildLocalSearchIndex(staging);
    requeued = await requeueUnfinished(staging);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }

  let previous: string | null = null;
  if (existsSync(dataDir)) {
    const entries = await readdir(dataDir);
    if (entries.length > 0) {
      previous = `${dataDir}.before-restore-${stamp}`;
      await rename(dataDir, previous);
    } else {
      await rm(dataDir, { recursive: true });
    }
  }
  try {
    await rename(staging, dataDir);
  } catch (err) {
    if (previous) await rename(previous, dataDir).catch(() => undefined);
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  if (previous && options.keep === false) {
    await rm(previous, { recursive: true, force: true });
    previous = null;
  }
  return { manifest, dataDir, previous, search, requeued };
}
