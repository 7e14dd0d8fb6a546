import { createHash, randomBytes } from "node:crypto";
import { readlinkSync } from "node:fs";
import { access, lstat, open, readdir, readFile, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { AppError, badRequest, notFound, unavailable } from "../../errors/app-error.ts";
import type { BlobStore } from "../../ports/blob-store.ts";
import { assertBlobKey, assertByteRange } from "../blob-keys.ts";
import {
  mkdirPrivate,
  mkdirPrivateSync,
  PRIVATE_FILE_MODE,
  tighten,
  type Tightened,
} from "../private-files.ts";

const errnoCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;

/** The folder (below the root) unfinished uploads are written in; hidden, so it is never a key. */
const TEMP_DIR = ".tmp";
/**
 * Which machine (and PID namespace: containers sharing a volume) a temp file was written on, so a
 * sweep can tell a dead writer's file from a live one on another host.
 */
const HOST_TAG = createHash("sha256").update(`${hostname()}\0${pidNamespace()}`).digest("hex").slice(0, 8);
/** `.<host tag>-<pid>-<random>.tmp` in {@link TEMP_DIR}. */
const TEMP_NAME = /^\.([0-9a-f]{8})-(\d{1,10})-[0-9a-f]{16}\.tmp$/;
/** Temp files of versions before {@link TEMP_DIR}: `.<key's last segment>.<16 hex>.tmp` beside the blob. */
const LEGACY_TEMP_NAME = /^\.[a-z0-9_.-]+\.[0-9a-f]{16}\.tmp$/;
/**
 * A temp file nobody has written to for this long belongs to no live upload, whoever wrote it
 * (Node's HTTP server ends a request after 5 minutes by default). Only such files are removed when
 * the writer cannot be checked (another host, an older version's name).
 */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** What {@link LocalDiskBlobStore.sweep} cleaned up. */
export interface BlobSweep {
  /** Unfinished uploads removed (their writer died, or they have been idle for an hour). */
  removedTempFiles: number;
  /** Empty folders removed (a blob's folder whose blob was deleted or never completed). */
  removedFolders: number;
  /** Blobs and folders narrowed to 0600 / 0700 (made by an older version), and those that could not be. */
  tightened: Tightened;
}

/**
 * Blobs as files under one folder (embedded mode). A key maps to a path below `rootDir`; writes go to
 * a temp file in the hidden `.tmp` folder and are renamed into place only once complete, so readers
 * never see a partial blob and a failed upload leaves nothing behind: no file, no folder. Files are
 * 0600 and folders 0700 whatever the umask.
 */
export class LocalDiskBlobStore implements BlobStore {
  private readonly root: string;
  private readonly tempDir: string;

  /** Stores blobs under `rootDir` (created if missing). Call {@link sweep} once at start-up. */
  constructor(rootDir: string) {
    this.root = resolve(rootDir);
    this.tempDir = join(this.root, TEMP_DIR);
    mkdirPrivateSync(this.tempDir);
  }

  /** Streams `body` into `key` atomically (temp file + rename); on a stream error nothing is left and the error is rethrown. */
  async put(
    key: string,
    body: AsyncIterable<Uint8Array>,
    _options?: { contentType?: string },
  ): Promise<{ size: number }> {
    const path = this.pathOf(key);
    const temp = join(this.tempDir, `.${HOST_TAG}-${process.pid}-${randomBytes(8).toString("hex")}.tmp`);
    const handle = await this.io(async () => {
      try {
        return await open(temp, "wx", PRIVATE_FILE_MODE);
      } catch (error) {
        if (errnoCode(error) !== "ENOENT") throw error;
        await mkdirPrivate(this.tempDir); // someone removed it: make it again
        return open(temp, "wx", PRIVATE_FILE_MODE);
      }
    });
    let size = 0;
    try {
      for await (const chunk of body) {
        let offset = 0;
        while (offset < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
          offset += bytesWritten;
        }
        size += chunk.byteLength;
      }
      await handle.sync();
      await handle.close();
      await this.moveInto(temp, path);
      return { size };
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true }).catch(() => undefined);
      if (error instanceof AppError) throw error;
      if (isDiskError(error)) throw unavailable("The blob store", error);
      throw error;
    }
  }

  /** A file stream of the blob or of the inclusive byte range; AppError `not_found` when absent. */
  async get(
    key: string,
    range?: { start: number; end?: number },
  ): Promise<AsyncIterable<Uint8Array> & NodeJS.ReadableStream> {
    const path = this.pathOf(key);
    if (range) assertByteRange(range);
    let handle;
    try {
      handle = await open(path, "r");
    } catch (error) {
      if (errnoCode(error) === "ENOENT" || errnoCode(error) === "EISDIR") throw notFound("blob", key);
      throw unavailable("The blob store", error);
    }
    return handle.createReadStream(
      range ? { start: range.start, ...(range.end === undefined ? {} : { end: range.end }) } : {},
    );
  }

  /** The whole blob; AppError `not_found` when absent. */
  async read(key: string): Promise<Uint8Array> {
    const path = this.pathOf(key);
    try {
      return await readFile(path);
    } catch (error) {
      if (errnoCode(error) === "ENOENT" || errnoCode(error) === "EISDIR") throw notFound("blob", key);
      throw unavailable("The blob store", error);
    }
  }

  /** The blob's size, or null when absent. */
  async stat(key: string): Promise<{ size: number } | null> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      return info.isFile() ? { size: info.size } : null;
    } catch (error) {
      if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return null;
      throw unavailable("The blob store", error);
    }
  }

  /** Removes the blob, and its folders once they are empty; a missing blob is fine. */
  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await this.io(() => rm(path, { force: true }));
    await this.pruneEmpty(dirname(path));
  }

  /**
   * Start-up cleanup of what earlier runs left behind: temp files of uploads whose process died
   * (killed mid-upload) or that nobody has written to for an hour, including an older version's
   * temp names beside the blobs; folders left empty; and files and folders an older version made
   * readable by others, narrowed to 0600 / 0700. Only our own temp names are ever removed (they
   * start with "." and end in ".tmp", which no key can), never a blob. Safe while other processes
   * use the same folder: a live writer's temp file is kept, and a put that loses its folder to the
   * sweep makes it again.
   */
  async sweep(): Promise<BlobSweep> {
    const report: BlobSweep = {
      removedTempFiles: 0,
      removedFolders: 0,
      tightened: { changed: [], failed: [] },
    };
    const now = Date.now();
    const alive = new Map<number, boolean>();
    const isTempToRemove = (dir: string, name: string, mtimeMs: number): boolean => {
      const stale = now - mtimeMs > STALE_TEMP_MS;
      if (dir !== this.tempDir) return LEGACY_TEMP_NAME.test(name) && stale;
      const m = TEMP_NAME.exec(name);
      if (!m) return false;
      if (stale) return true;
      if (m[1] !== HOST_TAG) return false; // another machine's: it cannot be checked
      const pid = Number(m[2]);
      if (!alive.has(pid)) alive.set(pid, processAlive(pid));
      return !alive.get(pid);
    };
    const visit = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          const info = await lstat(path).catch(() => null);
          if (info) await tighten(path, "dir", info.mode, report.tightened);
          await visit(path);
          if (
            path !== this.tempDir &&
            (await rmdir(path).then(
              () => true,
              () => false,
            ))
          ) {
            report.removedFolders++;
          }
          continue;
        }
        if (!entry.isFile()) continue;
        const info = await lstat(path).catch(() => null);
        if (!info) continue;
        if (entry.name.endsWith(".tmp") && isTempToRemove(dir, entry.name, info.mtimeMs)) {
          if (
            await unlink(path).then(
              () => true,
              () => false,
            )
          )
            report.removedTempFiles++;
          continue;
        }
        await tighten(path, "file", info.mode, report.tightened);
      }
    };
    const rootInfo = await lstat(this.root).catch(() => null);
    if (rootInfo) await tighten(this.root, "dir", rootInfo.mode, report.tightened);
    await visit(this.root);
    return report;
  }

  /** True when the root folder is reachable. */
  async ping(): Promise<boolean> {
    try {
      await access(this.root);
      return true;
    } catch {
      return false;
    }
  }

  /** The file of `key`, after checking the key cannot escape the root. */
  private pathOf(key: string): string {
    assertBlobKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw badRequest(`Invalid blob key ${JSON.stringify(key)}.`);
    return path;
  }

  /** Renames a finished temp file to the blob's path, making its folders (again, if a sweep or a delete removed them meanwhile). */
  private async moveInto(temp: string, path: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdirPrivate(dirname(path));
        await rename(temp, path);
        return;
      } catch (error) {
        if (errnoCode(error) === "ENOENT" && attempt < 3) continue;
        await this.pruneEmpty(dirname(path));
        throw unavailable("The blob store", error);
      }
    }
  }

  /** Removes `dir` and its parents up to (not including) the root while they are empty. */
  private async pruneEmpty(dir: string): Promise<void> {
    for (let d = dir; d.startsWith(this.root + sep) && d !== this.tempDir; d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return; // not empty (or already gone): its parents are not empty either
      }
    }
  }

  private async io<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw unavailable("The blob store", error);
    }
  }
}

/** True unless `pid` surely has no process (EPERM: it exists, as another user's). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) !== "ESRCH";
  }
}

/** The PID namespace of this process (Linux), so containers on one host tell their PIDs apart. */
function pidNamespace(): string {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return "";
  }
}

function isDiskError(error: unknown): boolean {
  const code = errnoCode(error);
  return (
    code !== undefined &&
    ["ENOSPC", "EIO", "EACCES", "EPERM", "EROFS", "EMFILE", "ENFILE", "EDQUOT"].includes(code)
  );
}
