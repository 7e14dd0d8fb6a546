import * as vscode from "vscode";
import type { Deps } from "../deps.ts";
import type { LibraryNode } from "../library/library-tree.ts";
import { runWithRetry } from "../processing/with-progress.ts";

/** Delete Document (library view): after a modal confirmation; files in the workspace are kept. */
export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand("academic-assist.deleteDocument", async (node?: LibraryNode) => {
    if (node?.kind !== "document") return false;
    const doc = node.document;
    const choice = await vscode.window.showWarningMessage(
      `Delete "${doc.metadata.title ?? doc.filename}" from the library?`,
      {
        modal: true,
        detail:
          "Its text, search index entries and notes are deleted on the server. The PDF and note files in your workspace are kept.",
      },
      "Delete",
    );
    if (choice !== "Delete") return false;
    const ok = await runWithRetry(deps.session, deps.log, `Deleting ${doc.filename}`, async () => {
      const client = await deps.session.client();
      await client.documents.delete(doc.id);
      await deps.pdfs.forget(doc.id);
      return true;
    });
    deps.library.refreshNow();
    return ok === true;
  });
}
