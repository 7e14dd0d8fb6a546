import { noteFileName } from "@academic-assist/sdk/writeback";
import * as vscode from "vscode";
import type { Deps } from "../deps.ts";
import type { LibraryNode } from "../library/library-tree.ts";
import { writeNoteFile } from "../notes/note-writer.ts";
import { runWithRetry } from "../processing/with-progress.ts";

/**
 * Open Note (library view): opens the note's file in the notes folder, writing it there first (by
 * the write-back rules) when it is not in the workspace yet; without a workspace, an untitled editor.
 */
export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand("academic-assist.openNote", async (node?: LibraryNode) => {
    if (node?.kind !== "note") return undefined;
    const { note: listed, document } = node;
    return runWithRetry(deps.session, deps.log, "Opening the note", async () => {
      const client = await deps.session.client();
      const note = listed.markdown ? listed : await client.notes.retrieve(listed.id);
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (!folder) {
        const doc = await vscode.workspace.openTextDocument({ language: "markdown", content: note.markdown });
        return vscode.window.showTextDocument(doc);
      }
      const pdf = await deps.pdfs.find(document.id, document.filename, document.sha256);
      const fileName = noteFileName(
        note.title ?? document.metadata.title,
        document.filename.replace(/\.[^.]+$/, ""),
      );
      const written = await writeNoteFile({
        workspaceFolder: folder,
        notesFolder: deps.config().notesFolder,
        fileName,
        markdown: note.markdown,
        pdf: pdf && vscode.workspace.getWorkspaceFolder(pdf) ? pdf : undefined,
      });
      // An existing note is opened as it is; a sibling is only written when the user edited theirs.
      const target = written.plan.action === "sibling" && written.existing ? written.existing : written.uri;
      if (written.plan.action === "sibling") {
        void vscode.window.showInformationMessage(
          `Your edited note was kept; the server's version is in ${vscode.workspace.asRelativePath(written.uri)}.`,
        );
      }
      return vscode.window.showTextDocument(target, { preview: false });
    });
  });
}
