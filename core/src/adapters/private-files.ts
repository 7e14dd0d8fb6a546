import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from "node:fs";
import { chmod, lstat, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Local mode keeps everything a user owns under DATA_DIR: papers, their text, notes, API token
 * hashes, the session secret. None of it is for other accounts on the machine, so every file the
 * embedded stores write is owner-only, set explicitly rather than left to the process umask (the
 * usual 022 would make them world-readable).
 */
export const PRIVATE_FILE_MODE = 0o600;
/** Every folder under DATA_DIR, and DATA_DIR itself: owner only. */
export const PRIVATE_DIR_MODE = 0o700;

const errnoOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;

/*
 * Creation passes the mode to the system call, so the umask can only narrow it further (0600 can
 * never become 0644); the chmod after it makes the mode exact under an odd umask that would also
 * take the owner's bits, and is best effort (a file system without modes keeps what it has).
 */

/** The folders `mkdir -p` created, from `dir` up to `first`. */
function created(dir: string, first: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    out.push(d);
    if (d === first || dirname(d) === d) return out;
  }
}

/** `mkdir -p`, each folder it creates made 0700 whatever the umask; existing folders are left as they are. */
export function mkdirPrivateSync(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  for (const d of created(dir, first)) {
    try {
      chmodSync(d, PRIVATE_DIR_MODE);
    } catch {
      // best effort: see above
    }
  }
}

/** {@link mkdirPrivateSync}, asynchronously. */
export async function mkdirPrivate(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  for (const d of created(dir, first)) await chmod(d, PRIVATE_DIR_MODE).catch(() => undefined);
}

/**
 * Makes sure `file` exists, creating it empty and 0600 when missing (so a library that then opens
 * it, SQLite, keeps that mode). An existing file is not changed; see {@link tightenSync}.
 */
export function createPrivateFileSync(file: string): void {
  try {
    closeSync(openSync(file, "wx", PRIVATE_FILE_MODE));
  } catch (error) {
    if (errnoOf(error) !== "EEXIST") throw error;
    return;
  }
  try {
    chmodSync(file, PRIVATE_FILE_MODE);
  } catch {
    // best effort: see above
  }
}

/** What {@link tightenSync} and {@link tightenTree} did. */
export interface Tightened {
  /** Paths whose mode granted group or other users access, now 0600 (files) or 0700 (folders). */
  changed: string[];
  /** Paths that are too open but could not be changed (owned by another user, read-only disk). */
  failed: string[];
}

const tooOpen = (mode: number, wanted: number) => (mode & 0o777 & ~wanted) !== 0;

/**
 * Narrows a file to 0600 or a folder to 0700 when it grants more (made by an older version, or by
 * hand). Symbolic links and missing paths are left alone (a link is never followed to chmod its
 * target). Adds the path to `into`.
 */
export function tightenSync(path: string, into: Tightened = { changed: [], failed: [] }): Tightened {
  let info;
  try {
    info = lstatSync(path);
  } catch {
    return into;
  }
  const wanted = info.isDirectory() ? PRIVATE_DIR_MODE : info.isFile() ? PRIVATE_FILE_MODE : null;
  if (wanted === null || !tooOpen(info.mode, wanted)) return into;
  try {
    chmodSync(path, wanted);
    into.changed.push(path);
  } catch {
    into.failed.push(path);
  }
  return into;
}

/** {@link tightenSync} on a folder and everything below it (links not followed). */
export function tightenTreeSync(root: string, into: Tightened = { changed: [], failed: [] }): Tightened {
  tightenSync(root, into);
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return into;
  }
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) tightenTreeSync(path, into);
    else if (entry.isFile()) tightenSync(path, into);
  }
  return into;
}

/** {@link tightenSync} for a path whose kind the caller already knows (no second lstat when it is fine). */
export async function tighten(
  path: string,
  kind: "file" | "dir",
  mode: number,
  into: Tightened,
): Promise<void> {
  const wanted = kind === "dir" ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
  if (!tooOpen(mode, wanted)) return;
  try {
    // Re-check right before: never chmod something that has become a link meanwhile.
    const info = await lstat(path);
    if (kind === "dir" ? !info.isDirectory() : !info.isFile()) return;
    await chmod(path, wanted);
    into.changed.push(path);
  } catch (error) {
    if (errnoOf(error) !== "ENOENT") into.failed.push(path);
  }
}
