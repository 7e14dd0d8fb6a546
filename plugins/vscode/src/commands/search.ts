import type { SearchHit } from "@academic-assist/sdk";
import { noteFileName } from "@academic-assist/sdk/writeback";
import * as vscode from "vscode";
import type { Deps } from "../deps.ts";
import { describeError } from "../errors.ts";
import { citationText, encodeLinkPath, relativePosix } from "../notes/citations.ts";
import { notesFolderSegments } from "../notes/confine.ts";
import { searchItems, type SearchItem } from "../search/search-items.ts";

type Action = "openPdf" | "openNote" | "insert";

/**
 * Search Library: a quick pick with live results (debounced), each showing title, page and snippet.
 * Choosing one opens the PDF at its page or the note, or inserts a citation at the cursor.
 */
export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand("academic-assist.search", (initial?: unknown) =>
    search(deps, typeof initial === "string" ? initial : ""),
  );
}

export function search(deps: Deps, initial: string): Promise<SearchHit | undefined> {
  const qp = vscode.window.createQuickPick<SearchItem | (vscode.QuickPickItem & { hit?: undefined })>();
  qp.title = "Search your library";
  qp.placeholder = 'Words or "a phrase" — English or Japanese';
  qp.matchOnDescription = false;
  qp.matchOnDetail = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | undefined;

  const run = async (q: string) => {
    controller?.abort();
    if (!q.trim()) {
      qp.items = [];
      qp.busy = false;
      return;
    }
    const current = new AbortController();
    controller = current;
    qp.busy = true;
    try {
      const client = await deps.session.client();
      const results = await client.search.query({ q: q.trim(), limit: 20 }, { signal: current.signal });
      if (current.signal.aborted) return;
      const items = searchItems(results.items).map((i) => ({ ...i, alwaysShow: true }));
      qp.items = items.length > 0 ? items : [{ label: `No results for "${q.trim()}"`, alwaysShow: true }];
    } catch (err) {
      if (current.signal.aborted) return;
      deps.session.noteFailure(err);
      const report = describeError(err, { serverUrl: deps.session.serverUrl });
      qp.items = [{ label: `$(warning) ${report.message}`, alwaysShow: true }];
    } finally {
      if (controller === current) qp.busy = false;
    }
  };

  // Set before listening: whether assigning `value` fires onDidChangeValue is not part of the API's promise.
  qp.value = initial;
  return new Promise<SearchHit | undefined>((resolve) => {
    let accepted: SearchHit | undefined;
    qp.onDidChangeValue((value) => {
      clearTimeout(timer);
      timer = setTimeout(() => void run(value), deps.searchDebounceMs);
    });
    qp.onDidAccept(() => {
      accepted = qp.selectedItems[0]?.hit;
      if (accepted) qp.hide();
    });
    qp.onDidHide(() => {
      clearTimeout(timer);
      controller?.abort();
      qp.dispose();
      const hit = accepted;
      if (!hit) {
        resolve(undefined);
        return;
      }
      void openHit(deps, hit).then(
        () => resolve(hit),
        (err: unknown) => {
          deps.log.error("Opening a search result failed", err);
          resolve(hit);
        },
      );
    });
    qp.show();
    if (initial) void run(initial);
  });
}

async function localNote(deps: Deps, hit: SearchHit): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || !hit.documentTitle) return undefined;
  let segments: string[];
  try {
    segments = notesFolderSegments(deps.config().notesFolder);
  } catch {
    return undefined;
  }
  const uri = vscode.Uri.joinPath(
    folder.uri,
    ...segments,
    noteFileName(hit.documentTitle, hit.filename.replace(/\.[^.]+$/, "")),
  );
  return vscode.workspace.fs.stat(uri).then(
    () => uri,
    () => undefined,
  );
}

async function openHit(deps: Deps, hit: SearchHit): Promise<void> {
  const pdf = await deps.pdfs.find(hit.documentId);
  const note = await localNote(deps, hit);
  const editor = vscode.window.activeTextEditor;
  const actions: (vscode.QuickPickItem & { action: Action })[] = [];
  if (pdf) actions.push({ label: `$(file-pdf) Open the PDF at page ${hit.pageStart}`, action: "openPdf" });
  if (note)
    actions.push({
      label: "$(note) Open the note",
      description: vscode.workspace.asRelativePath(note),
      action: "openNote",
    });
  if (editor) actions.push({ label: "$(quote) Insert a citation at the cursor", action: "insert" });
  if (actions.length === 0) {
    void vscode.window.showInformationMessage(
      `${hit.documentTitle ?? hit.filename}, p. ${hit.pageStart}: the PDF is not in this workspace and there is no note for it yet.`,
    );
    return;
  }
  const chosen =
    actions.length === 1
      ? actions[0]
      : await vscode.window.showQuickPick(actions, { title: hit.documentTitle ?? hit.filename });
  switch (chosen?.action) {
    case undefined:
      return;
    case "openPdf":
      await vscode.commands.executeCommand("vscode.open", pdf!.with({ fragment: `page=${hit.pageStart}` }));
      return;
    case "openNote":
      await vscode.window.showTextDocument(note!, { preview: true });
      return;
    case "insert": {
      const target = editor!;
      const from = target.document.uri.path.replace(/\/[^/]*$/, "");
      const link =
        pdf && pdf.scheme === target.document.uri.scheme
          ? encodeLinkPath(relativePosix(from, pdf.path))
          : null;
      const text = citationText(hit.documentTitle ?? hit.filename, hit.pageStart, link);
      await target.edit((edit) => {
        for (const sel of target.selections) edit.replace(sel, text);
      });
      return;
    }
  }
}
