import type { AskCitation, AskPassage, AskResult } from "@academic-assist/sdk";
import { noteFileName, siblingFileName } from "@academic-assist/sdk/writeback";
import { ItemView, Notice, TFolder, type App, type TFile, type WorkspaceLeaf } from "obsidian";
import { pageLink, renderCitations } from "./citations.ts";
import type { AskSource, Library } from "./library.ts";
import type { Settings } from "./settings.ts";
import { notePath, notesFolderPath } from "./vault-paths.ts";

export const ASK_VIEW_TYPE = "academic-assist-ask";

/** `[p. N]` / `[p. N, unverified]`, as the server writes them after each sentence of an answer. */
const CITATION = /\[p\. (\d{1,5})(, unverified)?\]/g;

/**
 * Which document the n-th `[p. N]` of an answer cites: the next unused citation for that page (the
 * answer cites in order), else any citation for that page.
 */
function citationPicker(citations: readonly AskCitation[]): (page: number) => string | undefined {
  const used = new Set<number>();
  return (page) => {
    const i = citations.findIndex((c, j) => c.page === page && !used.has(j));
    if (i >= 0) {
      used.add(i);
      return citations[i]!.documentId;
    }
    return citations.find((c) => c.page === page)?.documentId;
  };
}

/** The answer's `[p. N]` citations as links to the PDF pages, where the cited PDF is in the vault. */
export function linkAnswer(
  result: AskResult,
  sourceFor: (documentId: string) => AskSource | undefined,
  style: Settings["linkStyle"],
): string {
  const pick = citationPicker(result.citations);
  return result.answer.replace(CITATION, (whole, page: string) => {
    const id = pick(Number(page));
    const pdf = id ? (sourceFor(id)?.pdf ?? null) : null;
    return renderCitations(whole, pdf?.path ?? null, style);
  });
}

function passagePages(p: AskPassage): string {
  return p.pageEnd > p.pageStart ? `pp. ${p.pageStart}–${p.pageEnd}` : `p. ${p.pageStart}`;
}

function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The Markdown of a saved "Ask library" answer: the question, the linked answer (or abstention), the sources. */
export function askNoteMarkdown(
  question: string,
  result: AskResult,
  sourceFor: (documentId: string) => AskSource | undefined,
  style: Settings["linkStyle"],
): string {
  const lines = [`# ${question.replace(/[\r\n]+/g, " ")}`, ""];
  if (result.abstained)
    lines.push(`> [!note] Not answered from your library`, `> ${excerpt(result.answer, 2000)}`, "");
  else lines.push(linkAnswer(result, sourceFor, style).trim(), "");
  if (result.passages.length > 0) {
    lines.push(result.abstained ? "## Closest passages" : "## Sources", "");
    for (const p of result.passages) {
      const source = sourceFor(p.documentId);
      const where = source?.pdf
        ? pageLink(source.pdf.path, p.pageStart, passagePages(p), style)
        : passagePages(p);
      lines.push(`> ${excerpt(p.text)}`, `> — ${source?.title ?? p.documentId}, ${where}`, "");
    }
  }
  return lines.join("\n");
}

/** Saves an "Ask library" answer into the notes folder (a new file; never over an existing one). */
export async function saveAskNote(
  app: App,
  settings: Settings,
  question: string,
  result: AskResult,
  sources: ReadonlyMap<string, AskSource>,
): Promise<string> {
  const folder = notesFolderPath(settings.notesFolder, app.vault.configDir);
  if (folder && !(app.vault.getAbstractFileByPath(folder) instanceof TFolder))
    await app.vault.createFolder(folder);
  let fileName = noteFileName(`Ask - ${question}`, "Ask library");
  const exists = (name: string) => app.vault.getAbstractFileByPath(notePath(folder, name)) !== null;
  if (exists(fileName)) fileName = await siblingFileName(fileName, { exists });
  const path = notePath(folder, fileName);
  const markdown = askNoteMarkdown(question, result, (id) => sources.get(id), settings.linkStyle);
  const file = await app.vault.create(path, markdown);
  await app.fileManager.processFrontMatter(file, (fm: Record<string, unknown>) => {
    fm.question = question;
    fm.tags = ["library-question"];
    fm.abstained = result.abstained;
    fm.sources = [...new Set([...result.citations, ...result.passages].map((c) => c.documentId))];
  });
  return path;
}

/**
 * Ask library: the server answers from the library with `[p. N]` citations (links that open the
 * PDF at the page when it is in the vault), or says the library does not hold the answer; the
 * answer can be saved as a note. Not streamed: `requestUrl` cannot read a response as it arrives.
 */
export class AskLibraryView extends ItemView {
  #answer: { question: string; result: AskResult; sources: Map<string, AskSource> } | null = null;

  constructor(
    leaf: WorkspaceLeaf,
    private readonly library: Library,
    private readonly settings: () => Settings,
  ) {
    super(leaf);
  }

  getViewType(): string {
    return ASK_VIEW_TYPE;
  }

  getDisplayText(): string {
    return "Ask library";
  }

  override getIcon(): string {
    return "message-square";
  }

  override async onOpen(): Promise<void> {
    const root = this.contentEl;
    root.empty();
    root.addClass("academic-assist-ask");
    const form = root.createEl("form");
    const input = form.createEl("input", { type: "text", placeholder: "Ask a question about your papers…" });
    const buttons = form.createDiv();
    buttons.createEl("button", { text: "Ask", type: "submit", cls: "mod-cta" });
    const save = buttons.createEl("button", { text: "Save as note", type: "button" });
    save.disabled = true;
    const results = root.createDiv({ cls: "academic-assist-results" });

    form.addEventListener("submit", (evt) => {
      evt.preventDefault();
      const question = input.value.trim();
      if (!question) return;
      void this.ask(question, results).then((ok) => {
        save.disabled = !ok;
      });
      save.disabled = true;
    });
    save.addEventListener("click", () => {
      const answer = this.#answer;
      if (!answer) return;
      void saveAskNote(this.app, this.settings(), answer.question, answer.result, answer.sources).then(
        async (path) => {
          new Notice(`Academic Assist: saved ${path}`);
          await this.app.workspace.openLinkText(path, "", false);
        },
        (err: unknown) => new Notice(`Academic Assist: ${this.library.describeError(err)}`),
      );
    });
  }

  /** Asks and renders the answer into `results`; false (with the reason shown) when it failed. */
  async ask(question: string, results: HTMLElement): Promise<boolean> {
    results.empty();
    results.createEl("p", { text: "Asking…" });
    this.#answer = null;
    try {
      const result = await this.library.ask(question);
      const sources = await this.library.sources(result);
      this.#answer = { question, result, sources };
      this.#render(results);
      return true;
    } catch (err) {
      results.empty();
      results.createEl("p", { text: `Academic Assist: ${this.library.describeError(err)}` });
      return false;
    }
  }

  #render(results: HTMLElement): void {
    results.empty();
    const { result, sources } = this.#answer!;
    if (result.abstained) {
      results.createEl("p", { cls: "academic-assist-abstained", text: result.answer });
    } else {
      const answer = results.createEl("p", { cls: "academic-assist-answer" });
      const pick = citationPicker(result.citations);
      let at = 0;
      for (const m of result.answer.matchAll(CITATION)) {
        answer.appendText(result.answer.slice(at, m.index));
        at = m.index + m[0].length;
        const page = Number(m[1]);
        const id = pick(page);
        const pdf = id ? (sources.get(id)?.pdf ?? null) : null;
        if (pdf) this.#pageLink(answer, m[0], pdf, page);
        else answer.appendText(m[0]);
      }
      answer.appendText(result.answer.slice(at));
    }
    if (result.passages.length === 0) return;
    results.createEl("h4", { text: result.abstained ? "Closest passages" : "Sources" });
    for (const p of result.passages) {
      const source = sources.get(p.documentId);
      const item = results.createDiv({ cls: "academic-assist-passage" });
      const heading = item.createDiv();
      heading.createEl("strong", { text: source?.title ?? p.documentId });
      heading.appendText(" · ");
      if (source?.pdf) this.#pageLink(heading, passagePages(p), source.pdf, p.pageStart);
      else heading.appendText(passagePages(p));
      item.createEl("p", { text: excerpt(p.text) });
    }
  }

  #pageLink(parent: HTMLElement, text: string, pdf: TFile, page: number): void {
    const link = parent.createEl("a", { text, href: "#" });
    link.addEventListener("click", (evt) => {
      evt.preventDefault();
      void this.app.workspace.openLinkText(`${pdf.path}#page=${page}`, "", false);
    });
  }
}
