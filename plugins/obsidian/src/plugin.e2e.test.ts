/// <reference types="node" />
import fs from "node:fs";
import path from "node:path";
import { contentHash, splitFrontmatter } from "@academic-assist/sdk/writeback";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { corpusDir, startLocalBackend, type LocalBackend } from "../../../scripts/testing/local-backend.ts";
import { AskLibraryView, saveAskNote } from "./ask-view.ts";
import AcademicAssistPlugin from "./main.ts";
import { SearchLibraryModal } from "./modals.ts";
import { TOKEN_SECRET_ID } from "./token-store.ts";
import {
  Editor,
  ElementDouble,
  MarkdownView,
  Menu,
  notices,
  parseYaml,
  requests,
  type App,
} from "./test/obsidian-double.ts";
import {
  createTestVault,
  dataJsonPath,
  enablePlugin,
  listFiles,
  makePdf,
  pluginManifest,
  type TestVault,
} from "./test/harness.ts";
import type { TFile as ObsidianFile } from "obsidian";

vi.mock("obsidian", () => import("./test/obsidian-double.ts"));

const CORPUS_PDF = path.join(corpusDir, "papers", "test1.pdf");
const haveCorpus = fs.existsSync(CORPUS_PDF);
if (!haveCorpus) console.log(`Skipping the Obsidian end-to-end tests: no corpus at ${CORPUS_PDF}.`);

const EVIL_TITLE = "../../../outside/.obsidian/Evil Escape Paper";

describe.skipIf(!haveCorpus)("Obsidian plugin against a real local backend", () => {
  let backend: LocalBackend;
  let vault: TestVault;
  let app: App;
  let plugin: AcademicAssistPlugin;
  let pdf: ObsidianFile;

  const noticesSince = (n: number) => notices.slice(n).join("\n");
  const outsideVault = () => listFiles(vault.root).filter((f) => !f.startsWith("vault/"));
  const notes = () => listFiles(path.join(vault.vaultPath, "notes"));

  beforeAll(async () => {
    backend = await startLocalBackend();
    vault = createTestVault({
      "papers/test1.pdf": fs.readFileSync(CORPUS_PDF),
      "papers/evil.pdf": makePdf(EVIL_TITLE, [
        "Attention mechanisms let a model weigh the parts of its input that matter most for each output.",
        "We measure the effect of attention on translation quality across four language pairs.",
        "The results show consistent gains over recurrent baselines on every pair we tested.",
      ]),
      ".obsidian/plugins/academic-assist/data.json": JSON.stringify({
        version: 1,
        serverUrl: backend.url,
        notesFolder: "notes",
      }),
    });
    app = vault.app;
    app.secretStorage!.setSecret(TOKEN_SECRET_ID, backend.token);
    plugin = new AcademicAssistPlugin(app as never, pluginManifest());
    await enablePlugin(plugin);
    pdf = app.vault.getFileByPath("papers/test1.pdf") as unknown as ObsidianFile;
  }, 180_000);

  afterAll(async () => {
    plugin?.unload();
    await backend?.stop();
    vault?.cleanup();
  });

  it("when a vault PDF is processed, then a note appears in the notes folder with page links that open the PDF, and frontmatter", async () => {
    const before = notices.length;
    const menu = new Menu();
    app.workspace.trigger("file-menu", menu, pdf, "file-explorer");
    app.workspace.activeFile = app.vault.getFileByPath(pdf.path);

    const written = await plugin.library.processPdf(pdf);

    expect(menu.items.map((i) => i.title)).toContain("Academic Assist: process PDF");
    expect(app.isCommandAvailable("academic-assist:process-pdf")).toBe(true);
    expect(written?.action).toBe("create");
    expect(written!.path.startsWith("notes/")).toBe(true);
    const text = fs.readFileSync(path.join(vault.vaultPath, written!.path), "utf8");
    const { frontmatter, body } = splitFrontmatter(text);
    const links = [...body.matchAll(/\[\[papers\/test1\.pdf#page=(\d+)\|p\. (\d+)(, unverified)?\]\]/g)];
    expect(links.length).toBeGreaterThan(0);
    for (const [, target, label] of links) {
      expect(target).toBe(label);
      expect(Number(target)).toBeGreaterThanOrEqual(1);
      expect(Number(target)).toBeLessThanOrEqual(4); // test1.pdf has 4 pages
    }
    expect(body).not.toMatch(/(?<!\|)\[p\. \d+/); // no citation left as plain text
    const fm = parseYaml(frontmatter!) as Record<string, unknown>;
    expect(typeof fm.title).toBe("string");
    expect(Array.isArray(fm.authors)).toBe(true);
    expect(fm).toHaveProperty("year");
    expect(fm).toHaveProperty("doi");
    expect(fm.tags).toContain("literature-note");
    expect(fm.source).toBe("[[papers/test1.pdf]]");
    expect(String(fm.generator)).toMatch(/^extractive\//);
    expect(fm.content_hash).toBe(await contentHash(body));
    expect(noticesSince(before)).toContain(`note written: ${written!.path}`);
    expect(plugin.tracker.summary()).toBe("");
    // requestUrl cannot stream: the plugin must never ask for SSE.
    expect(
      requests.some((r) => (r.headers.accept ?? r.headers.Accept ?? "").includes("text/event-stream")),
    ).toBe(false);
    expect(requests.some((r) => r.url.includes("/events") && r.url.includes("wait="))).toBe(true);
  }, 180_000);

  it("when the note is regenerated unedited, then it is left as is; after a user edit, a sibling note is written, the edit is kept and a notice says so", async () => {
    const [first] = notes();
    const notePath = `notes/${first!}`;
    const file = app.vault.getFileByPath(notePath)!;
    const again = await plugin.library.processPdf(pdf);
    expect(again?.action).toBe("unchanged");

    const edited = (await app.vault.read(file)) + "\nMy own thoughts on this paper.\n";
    await app.vault.modify(file, edited);
    const before = notices.length;

    const written = await plugin.library.processPdf(pdf);

    expect(written?.action).toBe("sibling");
    expect(written!.path).toMatch(/^notes\/.+ \(regenerated \d{4}-\d{2}-\d{2} \d{4}\)\.md$/);
    expect(fs.readFileSync(path.join(vault.vaultPath, notePath), "utf8")).toBe(edited);
    const sibling = fs.readFileSync(path.join(vault.vaultPath, written!.path), "utf8");
    expect(sibling).toContain("[[papers/test1.pdf#page=");
    expect(sibling).not.toContain("My own thoughts");
    expect(noticesSince(before)).toMatch(/not overwriting your edits: .*was edited since it was generated/);
  }, 180_000);

  it("when the paper's title contains ../ and .obsidian/, then the note still lands directly in the notes folder and nothing is written outside it", async () => {
    const evil = app.vault.getFileByPath("papers/evil.pdf") as unknown as ObsidianFile;
    const beforeOutside = outsideVault();
    const beforeConfig = listFiles(path.join(vault.vaultPath, ".obsidian"));

    const written = await plugin.library.processPdf(evil);

    expect(written).not.toBeNull();
    expect(written!.path).toMatch(/^notes\/[^/]+\.md$/);
    expect(written!.path).not.toContain("..");
    expect(written!.path).toContain("Evil Escape Paper");
    expect(outsideVault()).toEqual(beforeOutside);
    expect(listFiles(path.join(vault.vaultPath, ".obsidian"))).toEqual(beforeConfig);
    expect(listFiles(vault.vaultPath).filter((f) => f.endsWith(".md") && !f.startsWith("notes/"))).toEqual(
      [],
    );
  }, 180_000);

  it("when the library is searched, then hits come with highlighted snippets, and choosing one inserts a link that opens the PDF at the page", async () => {
    const editor = new Editor("See ");
    app.workspace.activeEditor = new MarkdownView(editor);
    const modal = new SearchLibraryModal(app as never, plugin.library, () => "wikilink");

    const hits = await modal.getSuggestions("attention");
    const hit = hits.find((h) => h.filename === "test1.pdf") ?? hits[0]!;
    const el = new ElementDouble("div");
    modal.renderSuggestion(hit, el as never);
    modal.onChooseSuggestion(hit, { metaKey: false, ctrlKey: false } as never);

    expect(hits.length).toBeGreaterThan(0);
    expect(el.findAll("mark").map((m) => m.textContent.toLowerCase())).toContain("attention");
    expect(editor.getValue()).toMatch(
      new RegExp(
        `^See \\[\\[papers/${hit.filename.replace(".", "\\.")}#page=${hit.pageStart}\\|.+, pp?\\. ${hit.pageStart}`,
      ),
    );
    app.workspace.activeEditor = null;
  }, 60_000);

  it("when Ask library is asked about the corpus, then the answer cites pages as links that open the PDF, and saves as a note in the notes folder", async () => {
    const question = "What does attention do?";
    const requestsBefore = requests.length;

    const result = await plugin.library.ask(question);
    const sources = await plugin.library.sources(result);
    const saved = await saveAskNote(app as never, plugin.settings, question, result, sources);

    expect(result.abstained).toBe(false);
    expect(result.citations.length).toBeGreaterThan(0);
    const text = fs.readFileSync(path.join(vault.vaultPath, saved), "utf8");
    expect(saved).toMatch(/^notes\/Ask - What does attention do\.md$/);
    const body = splitFrontmatter(text).body;
    expect(body).toMatch(/\[\[papers\/(test1|evil)\.pdf#page=(\d+)\|p\. \2\]\]/);
    expect(body).not.toMatch(/(?<!\|)\[p\. \d+\]/); // every citation is a link: the PDFs are in the vault
    expect(body).toContain("## Sources");
    expect(parseYaml(splitFrontmatter(text).frontmatter!)).toMatchObject({ question, abstained: false });
    // requestUrl cannot stream: the answer is asked for as JSON.
    const asks = requests.slice(requestsBefore).filter((r) => r.url.endsWith("/ask"));
    expect(asks).toHaveLength(1);
    expect(asks[0]!.headers.accept ?? asks[0]!.headers.Accept).not.toContain("text/event-stream");
  }, 60_000);

  it("when Ask library is asked something the library does not cover, then the view shows the abstention without citations", async () => {
    const view = new AskLibraryView({ app } as never, plugin.library, () => plugin.settings);
    const results = new ElementDouble("div");

    const ok = await view.ask("What is the boiling point of tungsten on Mars?", results as never);

    expect(ok).toBe(true);
    expect(results.findAll("p").some((p) => p.classes.has("academic-assist-abstained"))).toBe(true);
    expect(results.findAll("p").some((p) => p.classes.has("academic-assist-answer"))).toBe(false);
    expect(results.textContent).not.toMatch(/\[p\. \d+\]/);
  }, 60_000);

  it("when the notes folder is inside .obsidian/ or climbs out with ../, then processing is refused with a notice, before any upload, and nothing is written", async () => {
    for (const folder of [".obsidian/notes", "../outside", "notes/../../x", ".obsidian"]) {
      plugin.settings.notesFolder = folder;
      const before = notices.length;
      const requestsBefore = requests.length;
      const filesBefore = listFiles(vault.root);

      const written = await plugin.library.processPdf(pdf);

      expect(written).toBeNull();
      expect(noticesSince(before)).toMatch(
        /Academic Assist: could not make a note from test1\.pdf: refused to write there/,
      );
      expect(requests.length).toBe(requestsBefore);
      expect(listFiles(vault.root)).toEqual(filesBefore);
    }
    plugin.settings.notesFolder = "notes";
  }, 60_000);

  it("when the token is wrong, then a notice says the server refused it and nothing is written", async () => {
    const before = notices.length;
    const filesBefore = listFiles(vault.root);
    plugin.tokens.set("aa_not-a-real-token");
    plugin.library.reset();

    const written = await plugin.library.processPdf(pdf);

    expect(written).toBeNull();
    expect(noticesSince(before)).toContain("refused the API token (401)");
    expect(listFiles(vault.root)).toEqual(filesBefore);
    plugin.tokens.set(backend.token);
    plugin.library.reset();
  }, 60_000);

  it("when the server is down, then a notice says it cannot be reached and nothing is written", async () => {
    await backend.stopServer();
    const before = notices.length;
    const filesBefore = listFiles(vault.root);
    plugin.library.reset();

    const written = await plugin.library.processPdf(pdf);
    const status = await plugin.library.syncStatus();

    expect(written).toBeNull();
    expect(noticesSince(before)).toContain(`cannot reach the server at ${backend.url}`);
    expect(status).toContain("cannot reach the server");
    expect(listFiles(vault.root)).toEqual(filesBefore);
  }, 60_000);

  it("when the plugin has run, then data.json holds the settings and never the token", () => {
    const data = fs.readFileSync(dataJsonPath(vault), "utf8");

    expect(data).not.toContain(backend.token);
    expect(JSON.parse(data)).toMatchObject({ serverUrl: backend.url });
  });
});
