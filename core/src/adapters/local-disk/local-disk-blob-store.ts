import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { access, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { AppError, badRequest, notFound, unavailable } from "../../errors/app-error.ts";
import type { BlobStore } from "../../ports/blob-store.ts";
import { assertBlobKey, assertByteRange } from "../blob-keys.ts";

const errnoCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;

/**
 * Blobs as files under one folder (embedded mode). A key maps to a path below `rootDir`; writes go to
 * a hidden temp file in the same folder and are renamed into place only once complete, so readers
 * never see a partial blob and a failed upload leaves nothing behind.
 */
export class LocalDiskBlobStore implements BlobStore {
  private readonly root: string;

  /** Stores blobs under `rootDir` (created if missing). */
  constructor(rootDir: string) {
    this.root = resolve(rootDir);
    mkdirSync(this.root, { recursive: true });
  }

  /** Streams `body` into `key` atomically (temp file + rename); on a stream error nothing is left and the error is rethrown. */
  async put(
    key: string,
    body: AsyncIterable<Uint8Array>,
    _options?: { contentType?: string },
  ): Promise<{ size: number }> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    // Temp names start with "." so they can never collide with a valid key.
    const temp = join(dir, `.${basename(path)}.${randomBytes(8).toString("hex")}.tmp`);
    await this.io(() => mkdir(dir, { recursive: true }));
    const handle = await this.io(() => open(temp, "wx"));
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
      await rename(temp, path);
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

  /** Removes the blob; a missing blob is fine. */
  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await this.io(() => rm(path, { force: true }));
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

  private async io<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw unavailable("The blob store", error);
    }
  }
}

function isDiskError(error: unknown): boolean {
  const code = errnoCode(error);
  return (
    code !== undefined &&
    ["ENOSPC", "EIO", "EACCES", "EPERM", "EROFS", "EMFILE", "ENFILE", "EDQUOT"].includes(code)
  );
}
