import type { Document } from "@academic-assist/sdk";
import * as vscode from "vscode";
import type { Deps } from "../deps.ts";
import { documentMessage, documentPercent, IncrementTracker } from "./progress-text.ts";
import type { Report } from "./with-progress.ts";

/** The file name shown for a Uri (the last path segment). */
export function baseName(uri: vscode.Uri): string {
  return decodeURIComponent(uri.path.split("/").pop() ?? "document.pdf");
}

/**
 * Reads a PDF with `workspace.fs`, uploads it (the server dedupes identical bytes) and waits until it
 * is ready, reporting per-stage and per-page progress from the server's events.
 */
export async function uploadAndWait(
  deps: Deps,
  uri: vscode.Uri,
  report: Report,
  signal: AbortSignal,
): Promise<Document> {
  const name = baseName(uri);
  report({ message: `Reading ${name}…` });
  const bytes = await vscode.workspace.fs.readFile(uri);
  const client = await deps.session.client();
  const projectId = await deps.session.projectId(client, signal);
  report({ message: `Uploading ${name} (${Math.ceil(bytes.byteLength / 1024)} KB)…` });
  const { document, duplicate } = await client.documents.upload(
    projectId,
    bytes,
    { filename: name },
    { signal },
  );
  await deps.pdfs.remember(document.id, uri);
  deps.log.info(
    `${duplicate ? "Already uploaded" : "Uploaded"} ${name} as ${document.id} (${document.status})`,
  );
  deps.library.refresh();
  if (document.status === "ready") {
    report({ message: documentMessage(document), increment: 100 });
    return document;
  }
  const increments = new IncrementTracker();
  let lastMessage = "";
  const reportState = (d: Document) => {
    const message = documentMessage(d);
    const increment = increments.next(documentPercent(d));
    // Re-fetches often find the same state; repeat nothing the user already sees.
    if (message === lastMessage && increment === 0) return;
    lastMessage = message;
    report({ message, increment });
  };
  reportState(document);
  const ready = await client.documents.waitUntilDone(document.id, {
    signal,
    onProgress: (d) => {
      deps.log.debug(
        `${document.id}: ${d.status} ${d.progress ? `${d.progress.stage} ${d.progress.done}/${d.progress.total}` : ""}`,
      );
      reportState(d);
    },
  });
  deps.library.refresh();
  return ready;
}
