import * as vscode from "vscode";
import type { Deps } from "../deps.ts";
import type { LibraryNode } from "../library/library-tree.ts";

/** Reveal PDF (library view): shows the document's PDF in the Explorer, when it is in this workspace. */
export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand("academic-assist.revealPdf", async (node?: LibraryNode) => {
    if (node?.kind !== "document") return undefined;
    const doc = node.document;
    const uri = await deps.pdfs.find(doc.id, doc.filename, doc.sha256);
    if (!uri) {
      void vscode.window.showInformationMessage(`${doc.filename} is not in this workspace.`);
      return undefined;
    }
    await vscode.commands.executeCommand("revealInExplorer", uri);
    return uri;
  });
}
