import {
  NotFoundError,
  type AcademicAssist,
  type Document,
  type Note,
  type NoteEstimateParams,
  type Template,
} from "@academic-assist/sdk";
import { noteFileName } from "@academic-assist/sdk/writeback";
import * as vscode from "vscode";
import type { Deps } from "../deps.ts";
import { NotesFolderError } from "../errors.ts";
import type { LibraryNode } from "../library/library-tree.ts";
import { costPrompt, type NoteEstimate } from "../notes/cost-prompt.ts";
import { writeNoteFile, type NoteWriteResult } from "../notes/note-writer.ts";
import { baseName, uploadAndWait } from "../processing/process-document.ts";
import { progressMessage } from "../processing/progress-text.ts";
import { runWithRetry, withCancellableProgress } from "../processing/with-progress.ts";
import { pdfTargets } from "./pick-pdf.ts";

export interface GenerateResult {
  note: Note;
  written: NoteWriteResult;
}

/**
 * Generate Note (explorer menu on a PDF, library view, command palette): template quick pick, then
 * the note is generated on the server and written into the notes folder by the write-back rules.
 */
export function register(deps: Deps): vscode.Disposable {
  return vscode.commands.registerCommand(
    "academic-assist.generateNote",
    async (arg?: unknown, selected?: unknown) => {
      const node = arg as LibraryNode | undefined;
      if (node && typeof node === "object" && "kind" in node && node.kind === "document") {
        return generateNote(deps, { document: node.document });
      }
      const [pdf] = await pdfTargets(arg, selected);
      if (pdf) return generateNote(deps, { pdf });
      const document = await pickReadyDocument(deps);
      return document ? generateNote(deps, { document }) : undefined;
    },
  );
}

async function pickReadyDocument(deps: Deps): Promise<Document | undefined> {
  const client = await deps.session.client();
  const projectId = await deps.session.projectId(client);
  const docs: Document[] = [];
  for await (const d of client.documents.list({ projectId, status: "ready", limit: 100 })) {
    docs.push(d);
    if (docs.length >= 200) break;
  }
  if (docs.length === 0) {
    void vscode.window.showInformationMessage(
      "No processed documents yet. Right-click a PDF and choose Process PDF.",
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    docs.map((d) => ({ label: d.metadata.title ?? d.filename, description: d.filename, document: d })),
    { title: "Generate a note for…", matchOnDescription: true },
  );
  return picked?.document;
}

/** Template: the `defaultTemplate` setting, else a quick pick of the server's (built-in and the project's own). */
async function pickTemplate(deps: Deps, client: AcademicAssist): Promise<string | undefined> {
  const configured = deps.config().defaultTemplate;
  if (configured) return configured;
  const templates: Template[] = [];
  for await (const t of client.templates.list()) templates.push(t);
  if (templates.length === 1) return templates[0]!.id;
  const picked = await vscode.window.showQuickPick(
    templates.map((t) => ({
      label: t.name,
      description: t.builtIn ? "built-in" : "project template",
      detail: t.description || (t.sections.length > 0 ? t.sections.join(" · ") : undefined),
      id: t.id,
    })),
    { title: "Note template", placeHolder: "Which kind of note?", matchOnDetail: true },
  );
  return picked?.id;
}

function workspaceFolderFor(pdf: vscode.Uri | undefined): vscode.WorkspaceFolder {
  const folder = (pdf && vscode.workspace.getWorkspaceFolder(pdf)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder)
    throw new NotesFolderError("Open a folder first: notes are written into the workspace's notes folder.");
  return folder;
}

export async function generateNote(
  deps: Deps,
  target: { pdf: vscode.Uri; document?: undefined } | { document: Document; pdf?: undefined },
): Promise<GenerateResult | undefined> {
  const name = target.pdf
    ? baseName(target.pdf)
    : (target.document.metadata.title ?? target.document.filename);
  // Not signed in or server down surface here, phrased by runWithRetry, before any upload.
  const template = await runWithRetry(deps.session, deps.log, `Generating a note for ${name}`, async () =>
    pickTemplate(deps, await deps.session.client()),
  );
  if (!template) return undefined;
  const chosen = template;

  const result = await runWithRetry(deps.session, deps.log, `Generating a note for ${name}`, () =>
    deps.jobs.track(
      Promise.resolve(
        withCancellableProgress(`Academic Assist: note for ${name}`, async (report, signal) => {
          const folder = workspaceFolderFor(target.pdf);
          let document = target.document;
          let pdf = target.pdf;
          if (pdf) {
            document = await uploadAndWait(deps, pdf, report, signal);
          } else if (document) {
            pdf = await deps.pdfs.find(document.id, document.filename, document.sha256);
          }
          if (!document) throw new Error("No document.");
          const client = await deps.session.client();
          if (document.status !== "ready") {
            document = await client.documents.waitUntilDone(document.id, { signal });
          }
          const language = deps.config().noteLanguage ?? undefined;
          report({ message: "Estimating the cost…" });
          const estimate = await estimateNote(client, document.id, { template: chosen, language }, signal);
          if (estimate) {
            const prompt = costPrompt(estimate);
            if (prompt && !(await confirmCost(prompt))) {
              deps.log.info(`Note for ${name} not generated: the cost estimate was declined.`);
              return undefined;
            }
            if (estimate.cached) {
              deps.log.info(`Note for ${name}: an identical note is cached; reusing it (no cost).`);
              report({ message: `Reusing the cached ${chosen} note…` });
            }
          }
          if (!estimate?.cached) report({ message: `Generating a ${chosen} note…` });
          const created = await client.notes.create(document.id, { template: chosen, language }, { signal });
          let note = created.note;
          if (note.status !== "ready") {
            note = await client.notes.waitUntilDone(note.id, {
              signal,
              onProgress: (_n, p) => report({ message: progressMessage("generating", p) }),
            });
          }
          report({ message: "Writing the note…" });
          const stem = document.filename.replace(/\.[^.]+$/, "");
          const fileName = noteFileName(note.title ?? document.metadata.title, stem);
          const written = await writeNoteFile({
            workspaceFolder: folder,
            notesFolder: deps.config().notesFolder,
            fileName,
            markdown: note.markdown,
            pdf: pdf && vscode.workspace.getWorkspaceFolder(pdf) ? pdf : undefined,
          });
          deps.log.info(
            `Note ${note.id}: ${written.plan.action} ${written.uri.path} (${written.plan.reason})`,
          );
          return { note, written };
        }),
      ),
    ),
  );
  if (!result) return undefined;
  deps.library.refresh();
  await announce(deps, result);
  return result;
}

/** The cost estimate, or undefined from an older server without the estimate route (404). */
async function estimateNote(
  client: AcademicAssist,
  documentId: string,
  params: NoteEstimateParams,
  signal: AbortSignal,
): Promise<NoteEstimate | undefined> {
  try {
    return await client.notes.estimate(documentId, params, { signal });
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** Modal confirmation before a paid provider runs; only "Generate" goes ahead. */
async function confirmCost(prompt: string): Promise<boolean> {
  const generate: vscode.MessageItem = { title: "Generate" };
  const cancel: vscode.MessageItem = { title: "Cancel", isCloseAffordance: true };
  const choice = await vscode.window.showWarningMessage(prompt, { modal: true }, generate, cancel);
  return choice === generate;
}

async function announce(deps: Deps, { note, written }: GenerateResult): Promise<void> {
  const shown = vscode.workspace.asRelativePath(written.uri);
  switch (written.plan.action) {
    case "sibling":
      if (written.existing) {
        await vscode.commands.executeCommand(
          "vscode.diff",
          written.existing,
          written.uri,
          `${baseName(written.existing)} ↔ regenerated`,
        );
      }
      void vscode.window.showInformationMessage(`Your note was kept: ${written.plan.reason}.`);
      break;
    case "unchanged":
      void vscode.window.showInformationMessage(`${shown} is already up to date.`);
      if (deps.config().openAfterGenerate)
        await vscode.window.showTextDocument(written.uri, { preview: false });
      break;
    case "create":
    case "overwrite":
      if (deps.config().openAfterGenerate)
        await vscode.window.showTextDocument(written.uri, { preview: false });
      else void vscode.window.showInformationMessage(`Note written: ${shown}`);
      break;
  }
  if (note.citations && note.citations.unverified > 0) {
    void vscode.window.showWarningMessage(
      `${note.citations.unverified} of ${note.citations.total} citations could not be verified against the PDF; they are marked "unverified" in the note.`,
    );
  }
}
