import type { Document } from "@academic-assist/sdk";
import * as vscode from "vscode";
import type { Deps } from "../deps.ts";
import { describeError } from "../errors.ts";
import { baseName, uploadAndWait } from "../processing/process-document.ts";
import { withCancellableProgress } from "../processing/with-progress.ts";

const SKIP = new Set(["node_modules", ".git", ".vscode", ".obsidian"]);
const MAX_FILES = 500;

/** Every PDF under `folder` (recursively, skipping node_modules and dot-folders), by path. */
export async function findPdfs(folder: vscode.Uri): Promise<vscode.Uri[]> {
  const out: vscode.Uri[] = [];
  const walk = async (dir: vscode.Uri): Promise<void> => {
    const entries = await vscode.workspace.fs.readDirectory(dir);
    entries.sort(([a], [b]) => a.localeCompare(b));
    for (const [name, type] of entries) {
      if (out.length >= MAX_FILES) return;
      const uri = vscode.Uri.joinPath(dir, name);
      // Symlinked folders are not followed (they could loop, or lead out of the workspace).
      if (type === vscode.FileType.Directory && !SKIP.has(name) && !name.startsWith(".")) await walk(uri);
      else if (type & vscode.FileType.File && name.toLowerCase().endsWith(".pdf")) out.push(uri);
    }
  };
  await walk(folder);
  return out;
}

/** Process All PDFs in Folder: one cancellable notification for the whole folder; a summary with "Retry Failed". */
export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand("academic-assist.processFolder", async (folder?: unknown) => {
    let target = folder instanceof vscode.Uri ? folder : undefined;
    if (!target) {
      const chosen = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        openLabel: "Process PDFs",
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      target = chosen?.[0];
    }
    if (!target) return [];
    const pdfs = await findPdfs(target);
    if (pdfs.length === 0) {
      void vscode.window.showInformationMessage(`No PDFs in ${baseName(target)}.`);
      return [];
    }
    return processMany(deps, pdfs);
  });
}

async function processMany(deps: Deps, pdfs: vscode.Uri[]): Promise<Document[]> {
  const ready: Document[] = [];
  const failed: { uri: vscode.Uri; message: string }[] = [];
  const tried = new Set<vscode.Uri>();
  let cancelled = false;
  await deps.jobs.track(
    Promise.resolve(
      withCancellableProgress(
        `Academic Assist: ${pdfs.length} PDF${pdfs.length === 1 ? "" : "s"}`,
        async (report, signal) => {
          for (const [i, uri] of pdfs.entries()) {
            if (signal.aborted) {
              cancelled = true;
              break;
            }
            tried.add(uri);
            const prefix = `(${i + 1}/${pdfs.length}) ${baseName(uri)}`;
            try {
              const doc = await uploadAndWait(
                deps,
                uri,
                (v) =>
                  report({
                    message: `${prefix}: ${v.message ?? ""}`,
                    increment: v.increment === undefined ? undefined : v.increment / pdfs.length,
                  }),
                signal,
              );
              ready.push(doc);
            } catch (err) {
              deps.session.noteFailure(err);
              const r = describeError(err, { serverUrl: deps.session.serverUrl });
              if (r.kind === "cancelled") {
                cancelled = true;
                break;
              }
              deps.log.error(`Processing ${baseName(uri)} failed`, err);
              failed.push({ uri, message: r.message });
              // The server is gone or the token refused: the rest would fail the same way.
              if (r.kind === "offline" || r.kind === "auth") break;
            }
          }
        },
      ),
    ),
  );
  const skipped = pdfs.length - ready.length - failed.length;
  if (failed.length === 0) {
    void vscode.window.showInformationMessage(
      cancelled
        ? `Cancelled: ${ready.length} of ${pdfs.length} PDFs were processed.`
        : `${ready.length} PDFs are ready.`,
    );
    return ready;
  }
  const first = failed[0]!;
  const choice = await vscode.window.showErrorMessage(
    `${ready.length} of ${pdfs.length} PDFs processed; ${failed.length} failed${skipped > 0 ? `, ${skipped} not tried` : ""}. ${baseName(first.uri)}: ${first.message}`,
    "Retry Failed",
    "Show Log",
  );
  if (choice === "Show Log") deps.log.show();
  if (choice === "Retry Failed") {
    // The failed ones, and those not tried because the server went away or the token was refused.
    const again = [...failed.map((f) => f.uri), ...pdfs.filter((u) => !tried.has(u))];
    ready.push(...(await processMany(deps, again)));
  }
  return ready;
}
