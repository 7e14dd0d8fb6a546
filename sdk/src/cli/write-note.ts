/// <reference types="node" />
import { randomUUID } from "node:crypto";
import { lstat, mkdir, readFile, realpath, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  planWrite,
  resolveNotePath,
  siblingFileName,
  UnsafePathError,
  type WritePlan,
} from "../writeback/index.ts";

export interface WrittenNote {
  plan: WritePlan;
  /** The absolute path written (or left unchanged). */
  path: string;
}

/** Creates the notes folder if needed and returns its real path (symlinks resolved). */
export async function prepareNotesFolder(folder: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  const real = await realpath(folder);
  if (!(await lstat(real)).isDirectory()) throw new UnsafePathError(`${folder} is not a folder.`);
  return real;
}

async function kindOf(path: string): Promise<"none" | "file" | "other"> {
  try {
    return (await lstat(path)).isFile() ? "file" : "other";
  } catch {
    return "none";
  }
}

/**
 * Writes a generated note into `folderReal` under the write-back rules: the path never leaves the
 * folder, nothing is written through a symlink, and a note the user edited (or a file that is not
 * ours) is never overwritten: the new note goes to a sibling file instead.
 */
export async function writeNote(
  folderReal: string,
  fileName: string,
  markdown: string,
  now?: Date,
): Promise<WrittenNote> {
  const target = resolve(resolveNotePath(folderReal, fileName));
  const inside = (p: string) => dirname(p) === folderReal;
  if (!inside(target)) throw new UnsafePathError(`${fileName} would leave ${folderReal}.`);
  const exists = async (name: string) =>
    (await kindOf(resolve(resolveNotePath(folderReal, name)))) !== "none";

  let plan: WritePlan;
  const kind = await kindOf(target);
  if (kind === "other") {
    // A symlink, folder or device under our name: never write through or over it.
    const sibling = await siblingFileName(fileName, { exists, now });
    plan = {
      action: "sibling",
      fileName: sibling,
      reason: `${fileName} is not a regular file; the new note is ${sibling}`,
    };
  } else {
    const existing = kind === "file" ? await readFile(target, "utf8") : null;
    plan = await planWrite({ existing, incoming: markdown, fileName, exists, now });
  }

  const path = resolve(resolveNotePath(folderReal, plan.fileName));
  if (!inside(path)) throw new UnsafePathError(`${plan.fileName} would leave ${folderReal}.`);
  switch (plan.action) {
    case "unchanged":
      break;
    case "create":
    case "sibling":
      // `wx` fails if anything (even a dangling symlink) appeared under this name meanwhile.
      await writeFile(path, markdown, { flag: "wx" });
      break;
    case "overwrite": {
      // Write then rename: a crash never leaves half a note, and rename replaces the entry itself.
      const temp = resolve(folderReal, `.${randomUUID()}.tmp`);
      try {
        await writeFile(temp, markdown, { flag: "wx" });
        await rename(temp, path);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
      break;
    }
  }
  return { plan, path };
}
