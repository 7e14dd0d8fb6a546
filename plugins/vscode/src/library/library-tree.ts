import type { Document, Note, Project } from "@academic-assist/sdk";
import * as vscode from "vscode";
import { Disposable } from "../disposable.ts";
import { describeError } from "../errors.ts";
import type { EventsWatcher } from "../events-watcher.ts";
import type { Logger } from "../logger.ts";
import type { Session } from "../session.ts";
import { documentDescription, documentIcon, documentLabel, noteDescription, noteLabel } from "./labels.ts";

export type LibraryNode =
  | { kind: "project"; project: Project }
  | { kind: "document"; document: Document }
  | { kind: "note"; note: Note; document: Document }
  | { kind: "message"; text: string; command?: vscode.Command };

const MAX_ITEMS = 500;
const REFRESH_DEBOUNCE_MS = 400;

/** The Library view: projects → documents (status, pages, progress) → notes; refreshed by events. */
export class LibraryTree extends Disposable implements vscode.TreeDataProvider<LibraryNode> {
  readonly #onDidChange = this._register(new vscode.EventEmitter<LibraryNode | undefined>());
  readonly onDidChangeTreeData = this.#onDidChange.event;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly session: Session,
    private readonly log: Logger,
    events?: EventsWatcher,
  ) {
    super();
    this._register(session.onDidChangeState(() => this.refresh()));
    if (events) {
      this._register(events.onEvent(() => this.refresh()));
      this._register(events.onReconnect(() => this.refresh()));
    }
    this._register({ dispose: () => clearTimeout(this.#timer) });
  }

  /** Re-reads the tree soon (bursts of events cause one refresh). */
  refresh(): void {
    if (this.isDisposed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#onDidChange.fire(undefined), REFRESH_DEBOUNCE_MS);
  }

  /** Re-reads the tree now. */
  refreshNow(): void {
    clearTimeout(this.#timer);
    this.#onDidChange.fire(undefined);
  }

  getTreeItem(node: LibraryNode): vscode.TreeItem {
    switch (node.kind) {
      case "project": {
        const item = new vscode.TreeItem(node.project.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.project.id;
        item.iconPath = new vscode.ThemeIcon("library");
        item.contextValue = "project";
        item.tooltip = node.project.description || node.project.name;
        return item;
      }
      case "document": {
        const doc = node.document;
        const item = new vscode.TreeItem(
          documentLabel(doc),
          doc.status === "ready"
            ? vscode.TreeItemCollapsibleState.Collapsed
            : vscode.TreeItemCollapsibleState.None,
        );
        item.id = doc.id;
        item.description = documentDescription(doc);
        item.iconPath = new vscode.ThemeIcon(documentIcon(doc.status));
        item.contextValue = `document.${doc.status}`;
        const md = new vscode.MarkdownString();
        md.appendText(`${documentLabel(doc)}\n\n${doc.filename}`);
        if (doc.metadata.authors.length > 0) md.appendText(`\n\n${doc.metadata.authors.join(", ")}`);
        if (doc.error) md.appendText(`\n\n${doc.error.detail}`);
        item.tooltip = md;
        return item;
      }
      case "note": {
        const item = new vscode.TreeItem(noteLabel(node.note), vscode.TreeItemCollapsibleState.None);
        item.id = node.note.id;
        item.description = noteDescription(node.note);
        item.iconPath = new vscode.ThemeIcon(node.note.status === "failed" ? "error" : "note");
        item.contextValue = node.note.status === "ready" ? "note" : `note.${node.note.status}`;
        if (node.note.status === "ready") {
          item.command = { command: "academic-assist.openNote", title: "Open Note", arguments: [node] };
        }
        return item;
      }
      case "message": {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon("info");
        if (node.command) item.command = node.command;
        return item;
      }
    }
  }

  async getChildren(node?: LibraryNode): Promise<LibraryNode[]> {
    try {
      if (!node) return await this.#projects();
      switch (node.kind) {
        case "project":
          return await this.#documents(node.project);
        case "document":
          return await this.#notes(node.document);
        case "note":
        case "message":
          return [];
      }
    } catch (err) {
      this.session.noteFailure(err);
      const report = describeError(err, { serverUrl: this.session.serverUrl });
      if (report.kind === "auth" && !node) return [];
      this.log.warn(`Library: ${report.message}`);
      return [
        {
          kind: "message",
          text: report.message,
          command: { command: "academic-assist.refreshLibrary", title: "Refresh" },
        },
      ];
    }
  }

  async #projects(): Promise<LibraryNode[]> {
    if (!(await this.session.hasToken())) return [];
    const client = await this.session.client();
    const out: LibraryNode[] = [];
    for await (const project of client.projects.list({ limit: 100 })) {
      out.push({ kind: "project", project });
      if (out.length >= MAX_ITEMS) break;
    }
    return out;
  }

  async #documents(project: Project): Promise<LibraryNode[]> {
    const client = await this.session.client();
    const out: LibraryNode[] = [];
    for await (const document of client.documents.list({ projectId: project.id, limit: 100 })) {
      out.push({ kind: "document", document });
      if (out.length >= MAX_ITEMS) break;
    }
    return out;
  }

  async #notes(document: Document): Promise<LibraryNode[]> {
    const client = await this.session.client();
    const out: LibraryNode[] = [];
    for await (const note of client.notes.list({
      projectId: document.projectId,
      documentId: document.id,
      limit: 100,
    })) {
      out.push({ kind: "note", note, document });
      if (out.length >= MAX_ITEMS) break;
    }
    return out;
  }
}
