import { planWrite, resolveNotePath, siblingFileName, type WritePlan } from "@academic-assist/sdk/writeback";
import * as vscode from "vscode";
import { NotesFolderError } from "../errors.ts";
import { encodeLinkPath, linkCitations, relativePosix, unlinkCitations } from "./citations.ts";
import { assertConfinedOnDisk, notesFolderSegments } from "./confine.ts";

export interface NoteWriteInput {
  workspaceFolder: vscode.WorkspaceFolder;
  /** The notes-folder setting (relative to the workspace folder). */
  notesFolder: string;
  /** From `noteFileName`. */
  fileName: string;
  /** The note as the server generated it (frontmatter with `content_hash`, `[p. N]` citations). */
  markdown: string;
  /** The PDF, when it is in this workspace folder: citations become links to its pages. */
  pdf?: vscode.Uri | undefined;
  now?: Date | undefined;
}

export interface NoteWriteResult {
  plan: WritePlan;
  /** The file written (or left as it was, for `unchanged`). */
  uri: vscode.Uri;
  /** The file the note would have replaced, for `sibling` (to diff against). */
  existing: vscode.Uri | null;
}

type Kind = "none" | "file" | "other";

async function kindOf(uri: vscode.Uri): Promise<Kind> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    // Never write through a symlink, even one to a file: a sibling is written instead.
    if (stat.type & vscode.FileType.SymbolicLink) return "other";
    return stat.type === vscode.FileType.File ? "file" : "other";
  } catch (err) {
    if (err instanceof vscode.FileSystemError && err.code === "FileNotFound") return "none";
    throw err;
  }
}

/**
 * The notes folder's Uri after checking it is confined to the workspace folder: a relative setting
 * without `..`, no component that is a symlink leading out of the workspace (checked with
 * `workspace.fs.stat`'s `SymbolicLink` flag, and with `realpath` for `file:` folders). Creates it.
 */
export async function prepareNotesFolder(
  workspaceFolder: vscode.WorkspaceFolder,
  notesFolder: string,
): Promise<vscode.Uri> {
  const segments = notesFolderSegments(notesFolder);
  const root = workspaceFolder.uri;
  if (root.scheme === "file") {
    await assertConfinedOnDisk(root.fsPath, segments);
  } else {
    // Not on this disk: we cannot resolve where a link leads, so refuse every symlink on the way.
    let current = root;
    for (const [i, seg] of segments.entries()) {
      current = vscode.Uri.joinPath(current, seg);
      const kind = await vscode.workspace.fs.stat(current).then(
        (s) => s.type,
        () => null,
      );
      if (kind === null) break;
      if (kind & vscode.FileType.SymbolicLink) {
        throw new NotesFolderError(
          `The notes folder "${segments.slice(0, i + 1).join("/")}" is a symbolic link; refusing to write notes through it.`,
        );
      }
    }
  }
  const folder = segments.length > 0 ? vscode.Uri.joinPath(root, ...segments) : root;
  await vscode.workspace.fs.createDirectory(folder);
  const stat = await vscode.workspace.fs.stat(folder);
  if (!(stat.type & vscode.FileType.Directory)) {
    throw new NotesFolderError(`The notes folder "${notesFolder}" exists but is not a folder.`);
  }
  return folder;
}

/**
 * Writes a generated note into the notes folder under the SDK's write-back rules: the file name is
 * made by code and confined with `resolveNotePath`; the folder is confined to the workspace
 * (symlinks included); a note the user edited since it was generated is never overwritten — the
 * new one goes to a sibling file. Citations become links to the PDF when it is in the workspace.
 */
export async function writeNoteFile(input: NoteWriteInput): Promise<NoteWriteResult> {
  const folder = await prepareNotesFolder(input.workspaceFolder, input.notesFolder);
  const uriOf = (name: string) => {
    // Throws UnsafePathError for anything but one plain segment; the join then cannot leave `folder`.
    const joined = resolveNotePath(folder.path, name);
    const uri = folder.with({ path: joined });
    if (relativePosix(folder.path, uri.path) !== name)
      throw new NotesFolderError(`${name} would leave the notes folder.`);
    return uri;
  };
  const target = uriOf(input.fileName);
  const exists = async (name: string) => (await kindOf(uriOf(name))) !== "none";

  let plan: WritePlan;
  const kind = await kindOf(target);
  if (kind === "other") {
    const sibling = await siblingFileName(input.fileName, { exists, now: input.now });
    plan = {
      action: "sibling",
      fileName: sibling,
      reason: `${input.fileName} is not a regular file; the new note is ${sibling}`,
    };
  } else {
    const existing =
      kind === "file" ? new TextDecoder().decode(await vscode.workspace.fs.readFile(target)) : null;
    // Compare with the links taken out again: an unedited note we linked still matches its content_hash.
    plan = await planWrite({
      existing: existing === null ? null : unlinkCitations(existing),
      incoming: input.markdown,
      fileName: input.fileName,
      exists,
      now: input.now,
    });
  }

  const uri = uriOf(plan.fileName);
  let content = input.markdown;
  if (input.pdf && input.pdf.scheme === folder.scheme && input.pdf.authority === folder.authority) {
    content = linkCitations(content, encodeLinkPath(relativePosix(folder.path, input.pdf.path)));
  }
  switch (plan.action) {
    case "unchanged":
      break;
    case "create":
    case "sibling":
      // workspace.fs has no exclusive create: check again right before writing.
      if ((await kindOf(uri)) !== "none")
        throw new NotesFolderError(`${plan.fileName} appeared meanwhile; not overwriting it.`);
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
      break;
    case "overwrite":
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
      break;
  }
  return { plan, uri, existing: plan.action === "sibling" ? target : null };
}
