import type { SearchHit } from "@academic-assist/sdk";
import { noteFileName, siblingFileName } from "@academic-assist/sdk/writeback";
import { ItemView, Notice, TFolder, type App, type TFile, type WorkspaceLeaf } from "obsidian";
import { pageLink } from "./citations.ts";
import type { Library } from "./library.ts";
import { citationFor, hitPages, hitTitle, openHit, renderSnippet } from "./modals.ts";
import type { Settings } from "./settings.ts";
import { notePath, notesFolderPath } from "./vault-paths.ts";

export const ASK_VIEW_TYPE = "academic-assist-ask";

/** The Markdown of a saved "Ask library" result: the question, then each passage with its page link. */
export function askNoteMarkdown(
  question: string,
  hits: SearchHit[],
  pdfFor: (hit: SearchHit) => TFile | null,
  style: Settings["linkStyle"],
): string {
  const lines = [
    `# ${question.replace(/[\r\n]+/g, " ")}`,
    "",
    "Passages from the library that best match the question:",
    "",
  ];
  for (const hit of hits) {
    const pdf = pdfFor(hit);
    const where = pdf ? pageLink(pdf.path, hit.pageStart, hitPages(hit), style) : hitPages(hit);
    const text = hit.snippet.replace(/\s+/g, " ").trim();
    lines.push(`> ${text}`, `> — ${hitTitle(hit)}, ${where}`, "");
  }
  return lines.join("\n");
}

/** Saves an "Ask library" result into the notes folder (a new file; never over an existing one). */
export async function saveAskNote(
  app: App,
  settings: Settings,
  question: string,
  hits: SearchHit[],
  library: Library,
): Promise<string> {
  const folder = notesFolderPath(settings.notesFolder, app.vault.configDir);
  if (folder && !(app.vault.getAbstractFileByPath(folder) instanceof TFolder))
    await app.vault.createFolder(folder);
  let fileName = noteFileName(`Ask - ${question}`, "Ask library");
  const exists = (name: string) => app.vault.getAbstractFileByPath(notePath(folder, name)) !== null;
  if (exists(fileName)) fileName = await siblingFileName(fileName, { exists });
  const path = notePath(folder, fileName);
  const markdown = askNoteMarkdown(
    question,
    hits,
    (h) => library.findPdf(h.documentId, h.filename),
    settings.linkStyle,
  );
  const file = await app.vault.create(path, markdown);
  await app.fileManager.processFrontMatter(file, (fm: Record<string, unknown>) => {
    fm.question = question;
    fm.tags = ["library-question"];
    fm.sources = [...new Set(hits.map((h) => h.documentId))];
  });
  return path;
}

/**
 * Ask library. The server's ask endpoint (a generated answer with citations, issue #5) does not
 * exist yet, so the view shows the passages that best match the question, each with a link that
 * opens the PDF at the page, and can save them as a note.
 */
export class AskLibraryView extends ItemView {
  #hits: SearchHit[] = [];
  #question = "";

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
    root.createEl("p", {
      cls: "setting-item-description",
      text: "Generated answers are not available yet (the server's ask endpoint is still to come). For now, this shows the passages of your library that best match the question, with links to their pages.",
    });
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
      results.empty();
      results.createEl("p", { text: "Searching…" });
      save.disabled = true;
      void this.library.search(question).then(
        (hits) => {
          this.#hits = hits;
          this.#question = question;
          this.#render(results);
          save.disabled = hits.length === 0;
        },
        (err: unknown) => {
          results.empty();
          results.createEl("p", { text: `Academic Assist: ${this.library.describeError(err)}` });
        },
      );
    });
    save.addEventListener("click", () => {
      void saveAskNote(this.app, this.settings(), this.#question, this.#hits, this.library).then(
        async (path) => {
          new Notice(`Academic Assist: saved ${path}`);
          await this.app.workspace.openLinkText(path, "", false);
        },
        (err: unknown) => new Notice(`Academic Assist: ${this.library.describeError(err)}`),
      );
    });
  }

  #render(results: HTMLElement): void {
    results.empty();
    if (this.#hits.length === 0) {
      results.createEl("p", { text: "No passages match the question." });
      return;
    }
    for (const hit of this.#hits) {
      const item = results.createDiv({ cls: "academic-assist-passage" });
      const heading = item.createDiv();
      heading.createEl("strong", { text: hitTitle(hit) });
      heading.appendText(" · ");
      const link = heading.createEl("a", { text: hitPages(hit), href: "#" });
      link.addEventListener("click", (evt) => {
        evt.preventDefault();
        void openHit(this.app, this.library, hit).then((opened) => {
          if (!opened) new Notice(`Academic Assist: ${hit.filename} is not in this vault.`);
        });
      });
      renderSnippet(item, hit);
      const copy = item.createEl("button", { text: "Copy citation" });
      copy.addEventListener("click", () => {
        const text = citationFor(
          hit,
          this.library.findPdf(hit.documentId, hit.filename),
          this.settings().linkStyle,
        );
        void navigator.clipboard.writeText(text).then(() => new Notice("Citation copied."));
      });
    }
  }
}
