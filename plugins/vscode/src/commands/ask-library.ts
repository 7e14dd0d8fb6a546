import * as vscode from "vscode";
import type { Deps } from "../deps.ts";
import { encodeLinkPath, relativePosix } from "../notes/citations.ts";
import { runWithRetry } from "../processing/with-progress.ts";
import { passagesMarkdown } from "../search/search-items.ts";

/**
 * Ask Library. The server's ask endpoint (streamed answers) is issue #5; until it exists this
 * searches the library for the question and opens the best passages, with page citations, in a
 * new Markdown editor.
 */
export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand("academic-assist.askLibrary", (question?: unknown) =>
    askLibrary(deps, typeof question === "string" ? question : undefined),
  );
}

export async function askLibrary(deps: Deps, given?: string): Promise<vscode.TextDocument | undefined> {
  const question =
    given ??
    (await vscode.window.showInputBox({
      title: "Ask your library",
      prompt: "A question about your papers",
      placeHolder: "How do the papers evaluate OCR quality?",
      ignoreFocusOut: true,
    }));
  if (!question?.trim()) return undefined;
  return runWithRetry(deps.session, deps.log, "Asking the library", async () => {
    const client = await deps.session.client();
    const results = await client.search.query({ q: question.trim().slice(0, 500), limit: 8 });
    const base = vscode.workspace.workspaceFolders?.[0]?.uri.path;
    const links = new Map<string, string | null>();
    for (const hit of results.items) {
      if (links.has(hit.documentId)) continue;
      const pdf = await deps.pdfs.find(hit.documentId);
      // An untitled document has no folder: link relative to the workspace root, where it is saved by default.
      links.set(hit.documentId, pdf && base ? encodeLinkPath(relativePosix(base, pdf.path)) : null);
    }
    const content = passagesMarkdown(question, results.items, (hit) => links.get(hit.documentId) ?? null);
    const doc = await vscode.workspace.openTextDocument({ language: "markdown", content });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  });
}
