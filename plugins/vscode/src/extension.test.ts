// Scenario tests: the real extension, activated against the VSCODE API DOUBLE (src/test/vscode-double.ts),
// talking to a REAL backend in local mode (server + worker processes), writing into a real temp workspace.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

vi.mock("vscode", async () => (await import("./test/vscode-double.ts")).vscodeDouble);

import type { LibraryNode, LibraryTree } from "./library/library-tree.ts";
import type { GenerateResult } from "./commands/generate-note.ts";
import {
  copyInto,
  corpusDir,
  eventually,
  makeWorkspace,
  removeTempFolders,
  messages,
  startExtension,
  startLocalBackend,
  type LocalBackend,
  type Running,
} from "./test/harness.ts";
import { makePdf } from "./test/pdf-fixture.ts";
import { Uri, ui, vscodeDouble as vscode } from "./test/vscode-double.ts";

const PAPER = path.join(corpusDir, "papers", "P07-1088.pdf");
const haveCorpus = existsSync(PAPER);
if (!haveCorpus) console.warn(`Skipping the VS Code scenario tests: no corpus PDF at ${PAPER}`);

const LINKED_CITATION = /\[p\. (\d+)(?:, unverified)?\]\(\.\.\/papers\/paper\.pdf#page=(\d+)\)/g;
const BARE_CITATION = /(?<!\\)\[p\. \d+(?:, unverified)?\](?!\()/;

describe.skipIf(!haveCorpus)("VS Code extension against a local backend", () => {
  let backend: LocalBackend;
  let xdg: string;
  let running: Running | undefined;

  beforeAll(async () => {
    backend = await startLocalBackend();
    // The extension finds the local server through its discovery file, as after `npm start`.
    xdg = backend.configHome;
    vi.stubEnv("XDG_CONFIG_HOME", xdg);
  });
  afterAll(async () => {
    removeTempFolders();
    vi.unstubAllEnvs();
    await backend?.stop();
  });
  afterEach(() => {
    running?.stop();
    running = undefined;
  });

  function start(workspace: string, settings: Record<string, unknown> = {}): Running {
    running = startExtension(workspace, { "academic-assist.serverUrl": backend.url, ...settings });
    // Template quick pick: the built-in summary.
    ui.answerQuickPick = (items) => items.find((i) => typeof i === "object" && i.id === "summary");
    return running;
  }

  async function tree(r: Running): Promise<{ provider: LibraryTree; documents: LibraryNode[] }> {
    const provider = r.api.deps.library;
    const projects = await provider.getChildren();
    const documents = (await Promise.all(projects.map((p) => provider.getChildren(p)))).flat();
    return { provider, documents };
  }

  it("when a corpus PDF in the workspace is processed from the explorer, then the document is ready, progress was shown and the library lists it", async () => {
    const ws = makeWorkspace();
    mkdirSync(path.join(ws, "papers"));
    const pdf = Uri.file(copyInto(ws, PAPER, "papers/paper.pdf"));
    const r = start(ws);
    let treeChanges = 0;
    r.api.deps.library.onDidChangeTreeData(() => treeChanges++);

    const docs = await vscode.commands.executeCommand<{ status: string; pageCount: number }[]>(
      "academic-assist.processPdf",
      pdf,
      [pdf],
    );

    expect(docs).toHaveLength(1);
    expect(docs[0]!.status).toBe("ready");
    expect(docs[0]!.pageCount).toBeGreaterThan(1);
    const progress = ui.progress.at(-1)!;
    expect(progress.location).toBe(vscode.ProgressLocation.Notification);
    expect(progress.cancellable).toBe(true);
    const shown = progress.reports.map((p) => p.message ?? "");
    expect(shown[0]).toMatch(/Reading paper\.pdf/);
    expect(shown).toContainEqual(expect.stringMatching(/Uploading paper\.pdf/));
    expect(shown).toContainEqual(expect.stringMatching(/^Extracting text — page \d+ of \d+$/));
    expect(shown.at(-1)).toMatch(new RegExp(`Ready — ${docs[0]!.pageCount} pages`));
    expect(progress.reports.reduce((sum, p) => sum + (p.increment ?? 0), 0)).toBeLessThanOrEqual(100);
    expect(messages("info")).toContainEqual(expect.stringMatching(/paper\.pdf is ready \(\d+ pages\)/));
    await eventually(() => treeChanges > 0, 5_000, "a library refresh");
    const { provider, documents } = await tree(r);
    const node = documents.find((d) => d.kind === "document" && d.document.filename === "paper.pdf");
    expect(node).toBeDefined();
    const item = provider.getTreeItem(node!);
    expect(item.description).toBe(`${docs[0]!.pageCount} pages`);
    expect(item.contextValue).toBe("document.ready");
    expect((item.iconPath as { id: string }).id).toBe("file-pdf");
  });

  it("when the user cancels the progress notification, then processing stops without an error message", async () => {
    const ws = makeWorkspace();
    const pdf = Uri.file(copyInto(ws, path.join(corpusDir, "papers", "P14-1059.pdf"), "other.pdf"));
    start(ws);
    ui.cancelProgress = (_record, report) => /Uploading/.test(report.message ?? "");

    const docs = await vscode.commands.executeCommand("academic-assist.processPdf", pdf);

    expect(docs).toEqual([]);
    expect(messages("error")).toEqual([]);
  });

  it("when a note is generated for a PDF in the workspace, then it is written into notes/ with frontmatter and [p. N](…#page=N) links, and opened", async () => {
    const ws = makeWorkspace();
    mkdirSync(path.join(ws, "papers"));
    const pdf = Uri.file(copyInto(ws, PAPER, "papers/paper.pdf"));
    start(ws);

    const result = await vscode.commands.executeCommand<GenerateResult>("academic-assist.generateNote", pdf);

    expect(result.written.plan.action).toBe("create");
    const file = result.written.uri.fsPath;
    expect(path.dirname(file)).toBe(path.join(ws, "notes"));
    expect(path.basename(file)).toMatch(/\.md$/);
    const text = readFileSync(file, "utf8");
    expect(text.startsWith("---\n")).toBe(true);
    expect(text).toMatch(/^content_hash: "[0-9a-f]{64}"$/m);
    expect(text).toMatch(/^template: "?summary"?$/m);
    const links = [...text.matchAll(LINKED_CITATION)];
    expect(links.length).toBeGreaterThan(0);
    for (const [, page, target] of links) expect(target).toBe(page);
    expect(text).not.toMatch(BARE_CITATION);
    expect(ui.quickPicks[0]!.items.map((i) => (typeof i === "string" ? i : i.label))).toContain("Summary");
    expect(ui.shown.map((s) => s.uri.fsPath)).toContain(file);
  });

  it("when Generate Note runs with a stubbed paid estimate and the user answers Cancel, then no note is created and nothing is written", async () => {
    const ws = makeWorkspace();
    mkdirSync(path.join(ws, "papers"));
    const pdf = Uri.file(copyInto(ws, PAPER, "papers/paper.pdf"));
    const r = start(ws);
    // Stubbed at the SDK edge only: the local backend runs the free extractive generator.
    const client = await r.api.deps.session.client();
    const estimate = vi.spyOn(client.notes, "estimate").mockResolvedValue({
      provider: "openai",
      model: "gpt-4o-mini",
      inputTokens: 12345,
      outputTokens: 2000,
      costUsd: 0.0123,
      cached: false,
    });
    const create = vi.spyOn(client.notes, "create");
    ui.answerMessage = (m) => (m.modal && m.severity === "warning" ? "Cancel" : undefined);

    const result = await vscode.commands.executeCommand("academic-assist.generateNote", pdf);

    expect(result).toBeUndefined();
    expect(estimate).toHaveBeenCalledOnce();
    expect(estimate.mock.calls[0]![1]).toMatchObject({ template: "summary" });
    expect(create).not.toHaveBeenCalled();
    const prompt = ui.messages.find((m) => m.modal && m.severity === "warning");
    expect(prompt?.message).toBe(
      "Generating this note with openai/gpt-4o-mini will use about 12345 input and up to 2000 output tokens (≈ $0.0123). Generate?",
    );
    expect(prompt?.items).toEqual(["Generate", "Cancel"]);
    expect(existsSync(path.join(ws, "notes"))).toBe(false);
    expect(ui.writes).toEqual([]);
    expect(messages("error")).toEqual([]);
    expect(ui.logLines).toContainEqual(
      expect.stringMatching(/not generated: the cost estimate was declined/),
    );
    estimate.mockRestore();
    create.mockRestore();
  });

  it("when the unedited note is regenerated, then it is left as it is (no sibling)", async () => {
    const ws = makeWorkspace();
    mkdirSync(path.join(ws, "papers"));
    const pdf = Uri.file(copyInto(ws, PAPER, "papers/paper.pdf"));
    start(ws);
    const first = await vscode.commands.executeCommand<GenerateResult>("academic-assist.generateNote", pdf);

    const second = await vscode.commands.executeCommand<GenerateResult>("academic-assist.generateNote", pdf);

    expect(["unchanged", "overwrite"]).toContain(second.written.plan.action);
    expect(second.written.uri.fsPath).toBe(first.written.uri.fsPath);
    expect(readdirSync(path.join(ws, "notes"))).toHaveLength(1);
  });

  it("when the note is regenerated after the user edited it, then a sibling is written, the edit is kept and a diff is opened", async () => {
    const ws = makeWorkspace();
    mkdirSync(path.join(ws, "papers"));
    const pdf = Uri.file(copyInto(ws, PAPER, "papers/paper.pdf"));
    start(ws);
    const first = await vscode.commands.executeCommand<GenerateResult>("academic-assist.generateNote", pdf);
    const original = first.written.uri.fsPath;
    writeFileSync(original, readFileSync(original, "utf8") + "\nMy own thoughts on this paper.\n");

    const second = await vscode.commands.executeCommand<GenerateResult>("academic-assist.generateNote", pdf);

    expect(second.written.plan.action).toBe("sibling");
    expect(readFileSync(original, "utf8")).toContain("My own thoughts on this paper.");
    const sibling = second.written.uri.fsPath;
    expect(path.dirname(sibling)).toBe(path.dirname(original));
    expect(path.basename(sibling)).toMatch(/ \(regenerated \d{4}-\d\d-\d\d \d{4}\)\.md$/);
    expect(readFileSync(sibling, "utf8")).not.toContain("My own thoughts");
    expect(readFileSync(sibling, "utf8")).toMatch(LINKED_CITATION);
    const diff = ui.executed.find((e) => e.command === "vscode.diff");
    expect(diff).toBeDefined();
    expect((diff!.args[0] as Uri).fsPath).toBe(original);
    expect((diff!.args[1] as Uri).fsPath).toBe(sibling);
    expect(messages("info")).toContainEqual(expect.stringMatching(/Your note was kept: .*edited/));
  });

  it("when the paper's title contains ../, then the note is still written inside notes/ and nothing lands outside", async () => {
    // The workspace sits alone in a sandbox folder, so anything written beside it would show.
    const sandbox = makeWorkspace("aa-sandbox-");
    const ws = path.join(sandbox, "ws");
    mkdirSync(ws);
    const title = "../../../Escape Attempt/../../etc/passwd for Note Paths";
    const sentences = Array.from(
      { length: 14 },
      (_, i) =>
        `Sentence ${i + 1} states that careful path handling keeps every generated note inside its folder.`,
    );
    writeFileSync(path.join(ws, "evil.pdf"), makePdf(title, ["Abstract", ...sentences]));
    start(ws);

    const result = await vscode.commands.executeCommand<GenerateResult>(
      "academic-assist.generateNote",
      Uri.file(path.join(ws, "evil.pdf")),
    );

    const written = result.written.uri.fsPath;
    expect(path.dirname(written)).toBe(path.join(ws, "notes"));
    expect(path.basename(written)).not.toContain("/");
    expect(path.basename(written)).not.toContain("..");
    expect(existsSync(written)).toBe(true);
    expect(readdirSync(sandbox)).toEqual(["ws"]);
    expect(readdirSync(ws).sort()).toEqual(["evil.pdf", "notes"]);
    expect(ui.writes.every((w) => w.startsWith(path.join(ws, "notes") + path.sep))).toBe(true);
    // The title really did carry the traversal attempt to the client.
    expect(result.note.title).toContain("../");
  });

  it("when the notes folder is a symlink to a folder outside the workspace, then nothing is written and the message says why", async () => {
    const ws = makeWorkspace();
    const outside = makeWorkspace("aa-outside-");
    symlinkSync(outside, path.join(ws, "notes"), "dir");
    const pdf = Uri.file(copyInto(ws, PAPER, "paper.pdf"));
    start(ws);

    const result = await vscode.commands.executeCommand("academic-assist.generateNote", pdf);

    expect(result).toBeUndefined();
    expect(readdirSync(outside)).toEqual([]);
    const error = ui.messages.find((m) => m.severity === "error");
    expect(error?.message).toMatch(
      /notes folder "notes" is a symbolic link to .*outside the workspace folder; refusing to write notes there/,
    );
    expect(error?.items).not.toContain("Retry");
  });

  it("when a parent of the notes folder is a symlink leading outside, or the setting climbs out with ../, then nothing is written", async () => {
    const ws = makeWorkspace();
    const outside = makeWorkspace("aa-outside-");
    symlinkSync(outside, path.join(ws, "docs"), "dir");
    const pdf = Uri.file(copyInto(ws, PAPER, "paper.pdf"));
    start(ws, { "academic-assist.notesFolder": "docs/notes" });

    const nested = await vscode.commands.executeCommand("academic-assist.generateNote", pdf);
    await vscode.workspace.getConfiguration("academic-assist").update("notesFolder", "../escape");
    const climbing = await vscode.commands.executeCommand("academic-assist.generateNote", pdf);

    expect(nested).toBeUndefined();
    expect(climbing).toBeUndefined();
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(path.dirname(ws), "escape"))).toBe(false);
    expect(messages("error")).toEqual([
      expect.stringMatching(
        /notes folder "docs\/notes" is reached through "docs", a symbolic link to .*, outside the workspace folder/,
      ),
      expect.stringMatching(/"\.\.\/escape" leads outside the workspace folder/),
    ]);
  });

  it("when the user searches, then live results show title, page and snippet, and choosing one opens the PDF at that page", async () => {
    const ws = makeWorkspace();
    mkdirSync(path.join(ws, "papers"));
    const pdf = Uri.file(copyInto(ws, PAPER, "papers/paper.pdf"));
    const r = start(ws);
    r.api.deps.searchDebounceMs = 250;
    await vscode.commands.executeCommand("academic-assist.processPdf", pdf);
    const pending = vscode.commands.executeCommand("academic-assist.search");
    const qp = await eventually(() => ui.lastQuickPick, 5_000, "the quick pick");

    qp.type("sem");
    qp.type("semantic");
    const items = await eventually(
      () => (qp.items.length > 0 && !qp.busy ? qp.items : null),
      20_000,
      "results",
    );
    ui.answerQuickPick = (choices) =>
      choices.find((c) => typeof c === "object" && c.label.includes("Open the PDF"));
    qp.accept(items[0]!);
    await pending;

    const first = items[0] as unknown as {
      label: string;
      description: string;
      detail: string;
      hit: { pageStart: number };
    };
    expect(first.label).toMatch(/\$\(file-pdf\) \S/);
    expect(first.description).toMatch(/^pp?\. \d+/);
    expect(first.detail.toLowerCase()).toContain("«semantic");
    const opened = ui.executed.find((e) => e.command === "vscode.open");
    expect((opened!.args[0] as Uri).fsPath).toBe(pdf.fsPath);
    expect((opened!.args[0] as Uri).fragment).toBe(`page=${first.hit.pageStart}`);
  });

  it("when the user asks the library a question, then the answer streams into a Markdown editor and ends with page citations linked to the PDF and its sources", async () => {
    const ws = makeWorkspace();
    mkdirSync(path.join(ws, "papers"));
    const pdf = Uri.file(copyInto(ws, PAPER, "papers/paper.pdf"));
    start(ws);
    await vscode.commands.executeCommand("academic-assist.processPdf", pdf);
    ui.answerInputBox = () => "What is semantic similarity used for?";
    const before = ui.untitled.length;

    await vscode.commands.executeCommand("academic-assist.askLibrary");

    expect(ui.untitled).toHaveLength(before + 1);
    const doc = ui.untitled.at(-1)!;
    expect(doc.languageId).toBe("markdown");
    const text = doc.getText();
    expect(text).toMatch(/^# What is semantic similarity used for\?\n/);
    expect(text).not.toContain("issue #5");
    expect(text).not.toContain("Not answered from your library");
    const cites = [...text.matchAll(/\[p\. (\d+)\]\(papers\/paper\.pdf#page=(\d+)\)/g)];
    expect(cites.length).toBeGreaterThan(0);
    for (const [, label, target] of cites) expect(target).toBe(label);
    expect(text).not.toMatch(/\[p\. \d+\](?!\()/); // every citation is a link: the PDF is in the workspace
    expect(text).toContain("## Sources");
    expect(text).toMatch(/_Answered by extractive/);
  });

  it("when the user asks something the library does not cover, then the editor shows the abstention without citations", async () => {
    const ws = makeWorkspace();
    mkdirSync(path.join(ws, "papers"));
    const pdf = Uri.file(copyInto(ws, PAPER, "papers/paper.pdf"));
    start(ws);
    await vscode.commands.executeCommand("academic-assist.processPdf", pdf);

    await vscode.commands.executeCommand(
      "academic-assist.askLibrary",
      "What is the boiling point of tungsten on Mars?",
    );

    const text = ui.untitled.at(-1)!.getText();
    expect(text).toMatch(/^# What is the boiling point of tungsten on Mars\?\n/);
    expect(text).toContain("> **Not answered from your library.**");
    expect(text).not.toMatch(/\[p\. \d+\]/);
  });

  it("when all PDFs in a folder are processed, then each is uploaded under one notification and all become ready", async () => {
    const ws = makeWorkspace();
    mkdirSync(path.join(ws, "papers", "nested"), { recursive: true });
    copyInto(ws, PAPER, "papers/a.pdf");
    copyInto(ws, path.join(corpusDir, "papers", "test1.pdf"), "papers/nested/b.pdf");
    writeFileSync(path.join(ws, "papers", "readme.txt"), "not a pdf");
    start(ws);

    const docs = await vscode.commands.executeCommand<{ status: string }[]>(
      "academic-assist.processFolder",
      Uri.file(path.join(ws, "papers")),
    );

    // (The server dedupes by content: these bytes may already be in the library under another name.)
    expect(docs.map((d) => d.status)).toEqual(["ready", "ready"]);
    expect(ui.progress).toHaveLength(1);
    const shown = ui.progress[0]!.reports.map((r) => r.message ?? "");
    expect(shown).toContainEqual(expect.stringMatching(/^\(1\/2\) a\.pdf: /));
    expect(shown).toContainEqual(expect.stringMatching(/^\(2\/2\) b\.pdf: /));
    expect(messages("info")).toContain("2 PDFs are ready.");
  });

  it("when a note in the library view is opened and its file is not in the workspace, then it is written into notes/ and opened", async () => {
    const ws = makeWorkspace();
    mkdirSync(path.join(ws, "papers"));
    const pdf = Uri.file(copyInto(ws, PAPER, "papers/paper.pdf"));
    const r = start(ws);
    const generated = await vscode.commands.executeCommand<GenerateResult>(
      "academic-assist.generateNote",
      pdf,
    );
    rmSync(generated.written.uri.fsPath);
    const docNode = (await tree(r)).documents.find(
      (d) => d.kind === "document" && d.document.id === generated.note.documentId,
    )!;
    const noteNode = (await r.api.deps.library.getChildren(docNode)).find(
      (n) => n.kind === "note" && n.note.id === generated.note.id,
    )!;
    const item = r.api.deps.library.getTreeItem(noteNode);

    await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));

    expect(item.contextValue).toBe("note");
    expect(readFileSync(generated.written.uri.fsPath, "utf8")).toMatch(LINKED_CITATION);
    expect(ui.shown.at(-1)?.uri.fsPath).toBe(generated.written.uri.fsPath);
  });

  it("when a document is deleted from the library view after confirming, then it is gone from the tree and the PDF stays", async () => {
    const ws = makeWorkspace();
    const file = copyInto(ws, path.join(corpusDir, "papers", "gadr.pdf"), "to-delete.pdf");
    const r = start(ws);
    const [doc] = await vscode.commands.executeCommand<{ id: string }[]>(
      "academic-assist.processPdf",
      Uri.file(file),
    );
    const node = (await tree(r)).documents.find((d) => d.kind === "document" && d.document.id === doc!.id)!;
    ui.answerMessage = (m) => (m.modal ? "Delete" : undefined);

    const deleted = await vscode.commands.executeCommand("academic-assist.deleteDocument", node);

    expect(deleted).toBe(true);
    const after = (await tree(r)).documents.filter((d) => d.kind === "document" && d.document.id === doc!.id);
    expect(after).toEqual([]);
    expect(existsSync(file)).toBe(true);
  });
});
