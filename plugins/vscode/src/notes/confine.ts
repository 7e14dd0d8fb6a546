import { lstat, realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { NotesFolderError } from "../errors.ts";

/** Whether `child` is `parent` or inside it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Checks the notes-folder setting itself: relative, and not climbing out of the workspace folder.
 * Returns its POSIX segments.
 */
export function notesFolderSegments(notesFolder: string): string[] {
  const folder = notesFolder.replace(/\\/g, "/");
  if (folder.startsWith("/") || /^[A-Za-z]:/.test(folder)) {
    throw new NotesFolderError(
      `The notes folder "${notesFolder}" is an absolute path. Set academic-assist.notesFolder to a folder inside the workspace, e.g. "notes".`,
    );
  }
  const segments = folder.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.some((s) => s === "..")) {
    throw new NotesFolderError(
      `The notes folder "${notesFolder}" leads outside the workspace folder. Set academic-assist.notesFolder to a folder inside it.`,
    );
  }
  if (segments.some((s) => s === ".git" || s === ".obsidian" || s === ".vscode")) {
    throw new NotesFolderError(
      `Refusing to write notes into "${notesFolder}": it is a configuration folder.`,
    );
  }
  return segments;
}

/**
 * For a folder on disk: every existing component from the workspace folder down to the notes folder
 * must resolve (through any symlink) to a place inside the workspace folder. A symlinked notes
 * folder pointing elsewhere in the workspace is fine; one pointing outside is refused.
 */
export async function assertConfinedOnDisk(
  workspaceRoot: string,
  segments: readonly string[],
): Promise<void> {
  const rootReal = await realpath(workspaceRoot);
  let current = resolve(workspaceRoot);
  const shown: string[] = [];
  for (const seg of segments) {
    current = resolve(current, seg);
    shown.push(seg);
    let isLink: boolean;
    try {
      isLink = (await lstat(current)).isSymbolicLink();
    } catch {
      return; // Does not exist yet: it will be created inside the (checked) parent.
    }
    let real: string;
    try {
      real = await realpath(current);
    } catch {
      throw new NotesFolderError(
        `The notes folder "${shown.join("/")}" is a broken symbolic link; refusing to write notes through it.`,
      );
    }
    if (!isInside(rootReal, real)) {
      const whole = segments.join("/");
      const where =
        shown.length === segments.length
          ? `is ${isLink ? "a symbolic link" : "reached through a symbolic link"} to ${real}`
          : `is reached through "${shown.join("/")}", ${isLink ? "a symbolic link" : "which leads"} to ${real}`;
      throw new NotesFolderError(
        `The notes folder "${whole}" ${where}, outside the workspace folder; refusing to write notes there. Point academic-assist.notesFolder at a real folder inside the workspace.`,
      );
    }
  }
}
