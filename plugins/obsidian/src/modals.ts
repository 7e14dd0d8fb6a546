import type { SearchHit, Template } from "@academic-assist/sdk";
import {
  FuzzySuggestModal,
  MarkdownView,
  Notice,
  SuggestModal,
  TFolder,
  type App,
  type TFile,
} from "obsidian";
import { pageLink } from "./citations.ts";
import type { Library } from "./library.ts";
import type { LinkStyle } from "./settings.ts";

/** Picks a note template; the server's list (built-in and custom), the default first. */
export class TemplateSuggestModal extends SuggestModal<Template> {
  constructor(
    app: App,
    private readonly templates: Template[],
    private readonly defaultId: string,
    private readonly onChoose: (template: Template) => void,
  ) {
    super(app);
    this.setPlaceholder("Choose a note template");
  }

  getSuggestions(query: string): Template[] {
    const q = query.trim().toLowerCase();
    return this.templates
      .filter(
        (t) =>
          !q ||
          t.name.toLowerCase().includes(q) ||
          t.id.includes(q) ||
          t.description.toLowerCase().includes(q),
      )
      .sort((a, b) => Number(b.id === this.defaultId) - Number(a.id === this.defaultId));
  }

  renderSuggestion(template: Template, el: HTMLElement): void {
    el.createDiv({ text: template.id === this.defaultId ? `${template.name} (default)` : template.name });
    el.createEl("small", { text: template.description || template.sections.join(" · ") });
  }

  onChooseSuggestion(template: Template): void {
    this.onChoose(template);
  }
}

/** Picks a vault folder (for "Process all PDFs in a folder"). */
export class FolderSuggestModal extends FuzzySuggestModal<TFolder> {
  constructor(
    app: App,
    private readonly onChoose: (folder: TFolder) => void,
  ) {
    super(app);
    this.setPlaceholder("Process every PDF in which folder?");
  }

  getItems(): TFolder[] {
    const configDir = this.app.vault.configDir;
    return this.app.vault
      .getAllLoadedFiles()
      .filter((f): f is TFolder => f instanceof TFolder)
      .filter((f) => !f.path.split("/").some((s) => s.startsWith(".")) && f.path !== configDir);
  }

  getItemText(folder: TFolder): string {
    return folder.isRoot() ? "/" : folder.path;
  }

  onChooseItem(folder: TFolder): void {
    this.onChoose(folder);
  }
}

/** Runs `search` at most once per pause in typing and drops answers to queries already replaced. */
export function debounceLatest<T>(
  search: (q: string) => Promise<T[]>,
  ms: number,
): (q: string) => Promise<T[]> {
  let latest = 0;
  return async (q) => {
    const mine = ++latest;
    await new Promise((r) => setTimeout(r, ms));
    if (mine !== latest) return [];
    const items = await search(q);
    return mine === latest ? items : [];
  };
}

/** The text of a search hit's snippet, split at its highlights. */
export function snippetParts(
  hit: Pick<SearchHit, "snippet" | "highlights">,
): { text: string; match: boolean }[] {
  const parts: { text: string; match: boolean }[] = [];
  let at = 0;
  for (const { start, end } of [...hit.highlights].sort((a, b) => a.start - b.start)) {
    if (start < at || end <= start || end > hit.snippet.length) continue;
    if (start > at) parts.push({ text: hit.snippet.slice(at, start), match: false });
    parts.push({ text: hit.snippet.slice(start, end), match: true });
    at = end;
  }
  if (at < hit.snippet.length) parts.push({ text: hit.snippet.slice(at), match: false });
  return parts;
}

export function renderSnippet(el: HTMLElement, hit: SearchHit): void {
  const p = el.createDiv({ cls: "academic-assist-snippet" });
  for (const part of snippetParts(hit)) {
    if (part.match) p.createEl("mark", { text: part.text });
    else p.appendText(part.text);
  }
}

export function hitTitle(hit: SearchHit): string {
  return hit.documentTitle ?? hit.filename.replace(/\.pdf$/i, "");
}

export function hitPages(hit: SearchHit): string {
  return hit.pageEnd > hit.pageStart ? `pp. ${hit.pageStart}–${hit.pageEnd}` : `p. ${hit.pageStart}`;
}

/**
 * The text a search hit inserts at the cursor: a link that opens the PDF at the page when the PDF
 * is in the vault, a plain citation otherwise.
 */
export function citationFor(hit: SearchHit, pdf: TFile | null, style: LinkStyle): string {
  const label = `${hitTitle(hit)}, ${hitPages(hit)}`;
  return pdf ? pageLink(pdf.path, hit.pageStart, label, style) : `(${label})`;
}

/** Opens the PDF at the hit's page, else the note about its document; false if neither is in the vault. */
export async function openHit(app: App, library: Library, hit: SearchHit): Promise<boolean> {
  const pdf = library.findPdf(hit.documentId, hit.filename);
  if (pdf) {
    await app.workspace.openLinkText(`${pdf.path}#page=${hit.pageStart}`, "", false);
    return true;
  }
  const note = app.vault
    .getMarkdownFiles()
    .find((f) => app.metadataCache.getFileCache(f)?.frontmatter?.document_id === hit.documentId);
  if (note) {
    await app.workspace.getLeaf(false).openFile(note);
    return true;
  }
  return false;
}

/**
 * Search library: live results with highlighted snippets as you type. Enter inserts a citation
 * link at the cursor (or opens the PDF when no note is being edited); Mod+Enter opens the PDF at
 * the page, or the note about the paper.
 */
export class SearchLibraryModal extends SuggestModal<SearchHit> {
  readonly #search: (q: string) => Promise<SearchHit[]>;
  #lastError = "";

  constructor(
    app: App,
    private readonly library: Library,
    private readonly linkStyle: () => LinkStyle,
  ) {
    super(app);
    this.setPlaceholder("Search your library…");
    this.emptyStateText = "Type at least two characters.";
    this.setInstructions([
      { command: "↵", purpose: "insert citation link" },
      { command: "mod ↵", purpose: "open PDF at page" },
      { command: "esc", purpose: "dismiss" },
    ]);
    this.scope.register(["Mod"], "Enter", (evt) => {
      this.selectActiveSuggestion(evt);
      return false;
    });
    this.#search = debounceLatest(async (q) => {
      try {
        const items = await library.search(q);
        this.emptyStateText = items.length ? "" : `No passages match "${q}".`;
        this.#lastError = "";
        return items;
      } catch (err) {
        const message = library.describeError(err);
        this.emptyStateText = message;
        // One notice per distinct problem, not one per keystroke.
        if (message !== this.#lastError) new Notice(`Academic Assist: ${message}`);
        this.#lastError = message;
        return [];
      }
    }, 250);
  }

  async getSuggestions(query: string): Promise<SearchHit[]> {
    if (query.trim().length < 2) return [];
    return this.#search(query.trim());
  }

  renderSuggestion(hit: SearchHit, el: HTMLElement): void {
    el.createDiv({ text: hitTitle(hit), cls: "academic-assist-hit-title" });
    el.createEl("small", {
      text: `${hit.filename} · ${hitPages(hit)}${hit.section ? ` · ${hit.section}` : ""}`,
    });
    renderSnippet(el, hit);
  }

  onChooseSuggestion(hit: SearchHit, evt: MouseEvent | KeyboardEvent): void {
    const editor = this.app.workspace.getActiveViewOfType(MarkdownView)?.editor;
    if (editor && !(evt.metaKey || evt.ctrlKey)) {
      editor.replaceSelection(
        citationFor(hit, this.library.findPdf(hit.documentId, hit.filename), this.linkStyle()),
      );
      return;
    }
    void openHit(this.app, this.library, hit).then((opened) => {
      if (!opened)
        new Notice(`Academic Assist: ${hit.filename} is not in this vault, and no note about it is.`);
    });
  }
}

/** Picks a PDF in the vault (for "Generate literature note" when no PDF is open). */
export class PdfSuggestModal extends FuzzySuggestModal<TFile> {
  constructor(
    app: App,
    private readonly onChoose: (file: TFile) => void,
  ) {
    super(app);
    this.setPlaceholder("Which PDF?");
  }

  getItems(): TFile[] {
    return this.app.vault.getFiles().filter((f) => f.extension.toLowerCase() === "pdf");
  }

  getItemText(file: TFile): string {
    return file.path;
  }

  onChooseItem(file: TFile): void {
    this.onChoose(file);
  }
}
