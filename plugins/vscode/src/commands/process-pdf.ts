import type { Document } from "@academic-assist/sdk";
import * as vscode from "vscode";
import type { Deps } from "../deps.ts";
import { baseName, uploadAndWait } from "../processing/process-document.ts";
import { runWithRetry, withCancellableProgress } from "../processing/with-progress.ts";
import { pdfTargets } from "./pick-pdf.ts";

/**
 * Process PDF (explorer context menu, command palette): upload with dedupe, then a cancellable
 * notification fed by the server's events until the document is ready; failures offer "Retry".
 */
export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand(
    "academic-assist.processPdf",
    async (uri?: unknown, selected?: unknown) => {
      const targets = await pdfTargets(uri, selected);
      const done: Document[] = [];
      for (const target of targets) {
        const doc = await processPdf(deps, target);
        if (doc) done.push(doc);
      }
      return done;
    },
  );
}

/** Processes one PDF with progress and retry; resolves with the ready document, or undefined. */
export async function processPdf(deps: Deps, uri: vscode.Uri): Promise<Document | undefined> {
  const name = baseName(uri);
  const doc = await runWithRetry(deps.session, deps.log, `Processing ${name}`, () =>
    deps.jobs.track(
      Promise.resolve(
        withCancellableProgress(`Academic Assist: ${name}`, (report, signal) =>
          uploadAndWait(deps, uri, report, signal),
        ),
      ),
    ),
  );
  if (!doc) return undefined;
  const pages = doc.pageCount ? ` (${doc.pageCount} pages)` : "";
  void vscode.window.showInformationMessage(`${name} is ready${pages}.`, "Generate Note").then((choice) => {
    if (choice === "Generate Note") void vscode.commands.executeCommand("academic-assist.generateNote", uri);
  });
  return doc;
}
