import type { AcademicAssist, AskResult } from "@academic-assist/sdk";
import * as vscode from "vscode";
import type { Deps } from "../deps.ts";
import { encodeLinkPath, relativePosix } from "../notes/citations.ts";
import { runWithRetry } from "../processing/with-progress.ts";
import { answerMarkdown, questionHeading, type AnswerSource } from "../search/search-items.ts";

/**
 * Ask Library: the question goes to the server's ask endpoint and the answer streams into a new
 * Markdown editor; when it is complete the text is replaced by the final answer, its `[p. N]`
 * citations linked to the PDF pages, followed by the passages it was drawn from.
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
      validateInput: (v) => (v.trim().length > 0 && v.trim().length < 3 ? "At least 3 characters" : null),
    }));
  if (!question?.trim()) return undefined;
  const asked = question.trim().slice(0, 2000);
  return runWithRetry(deps.session, deps.log, "Asking the library", async () => {
    const client = await deps.session.client();
    const projectId = await deps.session.projectId(client);
    // The editor opens with the first streamed item, so a refused request leaves no empty document behind.
    let editor: vscode.TextEditor | undefined;
    const open = async () => {
      const doc = await vscode.workspace.openTextDocument({
        language: "markdown",
        content: questionHeading(asked),
      });
      return vscode.window.showTextDocument(doc, { preview: false });
    };
    let result: AskResult | undefined;
    for await (const item of client.projects.askStream(projectId, { question: asked })) {
      editor ??= await open();
      if (item.type === "token") await append(editor, item.text);
      else result = item.result;
    }
    editor ??= await open();
    if (!result) return editor.document;
    const sources = await sourcesFor(deps, client, result);
    const fallback: AnswerSource = { title: "Unknown document", link: null };
    await replaceAll(
      editor,
      answerMarkdown(asked, result, (id) => sources.get(id) ?? fallback),
    );
    return editor.document;
  });
}

/** Titles and local PDF links for the documents the answer cites or draws on. */
async function sourcesFor(
  deps: Deps,
  client: AcademicAssist,
  result: AskResult,
): Promise<Map<string, AnswerSource>> {
  const ids = new Set([...result.citations, ...result.passages].map((x) => x.documentId));
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.path;
  const out = new Map<string, AnswerSource>();
  for (const id of ids) {
    const doc = await client.documents.retrieve(id).catch(() => undefined);
    const pdf = await deps.pdfs.find(id, doc?.filename, doc?.sha256);
    out.set(id, {
      title: doc?.metadata.title?.trim() || doc?.filename || id,
      // An untitled document has no folder: link relative to the workspace root, where it is saved by default.
      link: pdf && base ? encodeLinkPath(relativePosix(base, pdf.path)) : null,
    });
  }
  return out;
}

function endOf(doc: vscode.TextDocument): vscode.Position {
  const lines = doc.getText().split("\n");
  return new vscode.Position(lines.length - 1, lines.at(-1)!.length);
}

async function append(editor: vscode.TextEditor, text: string): Promise<void> {
  if (!text) return;
  await editor.edit((e) => e.insert(endOf(editor.document), text));
}

async function replaceAll(editor: vscode.TextEditor, text: string): Promise<void> {
  const range = new vscode.Range(new vscode.Position(0, 0), endOf(editor.document));
  await editor.edit((e) => e.replace(range, text));
}
