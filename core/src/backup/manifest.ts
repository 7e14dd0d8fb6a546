import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

/** The manifest's file name; written last, so a backup folder without it is incomplete. */
export const MANIFEST_FILE = "manifest.json";

/** Identifies our manifests among other JSON files. */
export const BACKUP_FORMAT = "academic-assist-backup";

/** Version of the backup layout; a restore refuses a newer one it does not understand. */
export const BACKUP_VERSION = 1;

/** The SQLite stores copied with SQLite's online backup, in the order they are copied. */
export const DATABASE_FILES = ["academic-assist.db", "queue.db", "events.db"] as const;

export const SECRET_FILE = "secret.key";
export const BLOBS_DIR = "blobs";

/** A path a manifest may name: one of our files, or a file below blobs/; never absolute, never `..`. */
export function isBackupPath(p: string): boolean {
  if (p.includes("\\") || p.startsWith("/") || p !== path.posix.normalize(p)) return false;
  if ((DATABASE_FILES as readonly string[]).includes(p) || p === SECRET_FILE) return true;
  const parts = p.split("/");
  return (
    parts.length >= 2 && parts[0] === BLOBS_DIR && parts.every((s) => s !== "" && s !== "." && s !== "..")
  );
}

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const ManifestFile = z.object({
  /** Relative to the backup folder, `/`-separated. */
  path: z.string().refine(isBackupPath, "not a path a backup may contain"),
  size: z.number().int().nonnegative(),
  sha256: Sha256,
});
export type ManifestFile = z.infer<typeof ManifestFile>;

/** What `manifest.json` holds. */
export const Manifest = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.number().int().positive(),
  created_at: z.string(),
  /** The DATA_DIR the backup was taken from (informational). */
  source_data_dir: z.string(),
  /** `rebuilt-on-restore`: search.db is derived from the chunks and not part of the backup. */
  search_index: z.literal("rebuilt-on-restore"),
  files: z.array(ManifestFile),
  counts: z.object({
    users: z.number().int().nonnegative(),
    projects: z.number().int().nonnegative(),
    documents: z.number().int().nonnegative(),
    notes: z.number().int().nonnegative(),
    chunks: z.number().int().nonnegative(),
    blobs: z.number().int().nonnegative(),
  }),
  /** Blob keys documents refer to that were not found when the backup was taken. */
  missing_blobs: z.array(z.string()),
});
export type Manifest = z.infer<typeof Manifest>;

/** The backup cannot be taken or restored; the message says why and what to do (exit code 1). */
export class BackupError extends Error {
  override name = "BackupError";
}

/** sha256 (hex) and size of a file, streamed. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest("hex"), size };
}

/**
 * Reads and validates `<dir>/manifest.json`. Throws a BackupError that tells an incomplete backup
 * (our files, no manifest) from a folder that is not a backup at all.
 */
export async function readManifest(dir: string, entries: string[]): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), "utf8");
  } catch {
    const ours = entries.some((e) => (DATABASE_FILES as readonly string[]).includes(e) || e === BLOBS_DIR);
    throw new BackupError(
      ours
        ? `${dir} is an incomplete backup: it has no ${MANIFEST_FILE}, which is written last, so the backup was interrupted. Use another backup.`
        : `${dir} is not an Academic Assist backup (no ${MANIFEST_FILE}).`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BackupError(`${dir} is not an Academic Assist backup: ${MANIFEST_FILE} is not valid JSON.`);
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== BACKUP_FORMAT) {
    throw new BackupError(`${dir} is not an Academic Assist backup: ${MANIFEST_FILE} is not ours.`);
  }
  const version = (json as { version?: unknown }).version;
  if (typeof version === "number" && version > BACKUP_VERSION) {
    throw new BackupError(
      `${dir} was written by a newer Academic Assist (backup format ${version}; this one reads ${BACKUP_VERSION}). Upgrade first.`,
    );
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new BackupError(`${dir}/${MANIFEST_FILE} is damaged:\n${problems}`);
  }
  return parsed.data;
}
