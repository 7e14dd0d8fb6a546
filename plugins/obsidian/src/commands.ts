import { Notice, TFile, TFolder, type App, type Plugin } from "obsidian";
import { ASK_VIEW_TYPE } from "./ask-view.ts";
import type { Library } from "./library.ts";
import { FolderSuggestModal, PdfSuggestModal, SearchLibraryModal, TemplateSuggestModal } from "./modals.ts";
import type { Settings } from "./settings.ts";

/** Command ids never change once shipped (users bind hotkeys to them). */
export const COMMAND_IDS = [
  "process-pdf",
  "process-folder",
  "generate-note",
  "search-library",
  "ask-library",
  "sync-status",
] as const;

export interface CommandDeps {
  plugin: Plugin;
  library: Library;
  settings: () => Settings;
}

const isPdf = (file: unknown): file is TFile =>
  file instanceof TFile && file.extension.toLowerCase() === "pdf";

/** The PDF a note was generated from (its `source: "[[…pdf]]"` frontmatter), for regenerating. */
export function sourcePdfOf(app: App, note: TFile): TFile | null {
  const source: unknown = app.metadataCache.getFileCache(note)?.frontmatter?.source;
  const m =
    typeof source === "string" ? /^\[\[([^\]|#]+\.pdf)(?:[|#][^\]]*)?\]\]$/i.exec(source.trim()) : null;
  if (!m?.[1]) return null;
  const file =
    app.vault.getAbstractFileByPath(m[1]) ?? app.metadataCache.getFirstLinkpathDest(m[1], note.path);
  return isPdf(file) ? file : null;
}

/** Generate literature note: the template suggester, then the whole upload → wait → generate → write. */
export async function generateNote(
  app: App,
  library: Library,
  settings: Settings,
  pdf: TFile,
): Promise<void> {
  let templates;
  try {
    templates = await library.templates();
  } catch (err) {
    new Notice(`Academic Assist: ${library.describeError(err)}`, 10_000);
    return;
  }
  new TemplateSuggestModal(app, templates, settings.defaultTemplate, (template) => {
    void library.processPdf(pdf, { template: template.id });
  }).open();
}

export async function openAskView(app: App): Promise<void> {
  const existing = app.workspace.getLeavesOfType(ASK_VIEW_TYPE)[0];
  const leaf = existing ?? app.workspace.getRightLeaf(false);
  if (!leaf) return;
  if (!existing) await leaf.setViewState({ type: ASK_VIEW_TYPE, active: true });
  await app.workspace.revealLeaf(leaf);
}

/** Registers the commands and the file-menu items. */
export function registerCommands({ plugin, library, settings }: CommandDeps): void {
  const { app } = plugin;
  const activePdf = () => {
    const file = app.workspace.getActiveFile();
    return isPdf(file) ? file : null;
  };

  plugin.addCommand({
    id: "process-pdf",
    name: "Process PDF into a literature note",
    checkCallback: (checking) => {
      const pdf = activePdf();
      if (!pdf) return false;
      if (!checking) void library.processPdf(pdf);
      return true;
    },
  });

  plugin.addCommand({
    id: "process-folder",
    name: "Process all PDFs in a folder",
    callback: () => {
      new FolderSuggestModal(app, (folder) => void library.processFolder(folder)).open();
    },
  });

  plugin.addCommand({
    id: "generate-note",
    name: "Generate literature note…",
    callback: () => {
      const active = app.workspace.getActiveFile();
      const pdf = activePdf() ?? (active?.extension === "md" ? sourcePdfOf(app, active) : null);
      if (pdf) void generateNote(app, library, settings(), pdf);
      else new PdfSuggestModal(app, (file) => void generateNote(app, library, settings(), file)).open();
    },
  });

  plugin.addCommand({
    id: "search-library",
    name: "Search library",
    callback: () => {
      new SearchLibraryModal(app, library, () => settings().linkStyle).open();
    },
  });

  plugin.addCommand({
    id: "ask-library",
    name: "Ask library",
    callback: () => void openAskView(app),
  });

  plugin.addCommand({
    id: "sync-status",
    name: "Sync status",
    callback: () => {
      void library.syncStatus().then((message) => new Notice(message, 15_000));
    },
  });

  plugin.registerEvent(
    app.workspace.on("file-menu", (menu, file) => {
      if (isPdf(file)) {
        menu.addItem((item) =>
          item
            .setTitle("Academic Assist: process PDF")
            .setIcon("file-text")
            .onClick(() => void library.processPdf(file)),
        );
        menu.addItem((item) =>
          item
            .setTitle("Academic Assist: generate literature note…")
            .setIcon("notebook-pen")
            .onClick(() => void generateNote(app, library, settings(), file)),
        );
      } else if (file instanceof TFolder) {
        menu.addItem((item) =>
          item
            .setTitle("Academic Assist: process PDFs in folder")
            .setIcon("files")
            .onClick(() => void library.processFolder(file)),
        );
      }
    }),
  );
}
