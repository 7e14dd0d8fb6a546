/// <reference types="node" />
import fs from "node:fs";
import path from "node:path";
import type { Document, Note } from "@academic-assist/sdk";
import { contentHash } from "@academic-assist/sdk/writeback";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pageLink, renderCitations } from "./citations.ts";
import { writeNoteToVault } from "./note-writer.ts";
import { notePath, notesFolderPath, UnsafePathError } from "./vault-paths.ts";
import { normalizePath } from "./test/obsidian-double.ts";
import { createTestVault, listFiles, type TestVault } from "./test/harness.ts";

vi.mock("obsidian", () => import("./test/obsidian-double.ts"));

async function serverNote(title: string | null, body: string): Promise<Note> {
  const hash = await contentHash(body);
  return {
    id: "note_1",
    projectId: "prj_1",
    documentId: "doc_1",
    template: "summary",
    language: "en",
    status: "ready",
    title,
    markdown: `---\ntitle: ${JSON.stringify(title)}\ncontent_hash: "${hash}"\n---\n${body}`,
    contentHash: hash,
    revision: 1,
    generator: { provider: "extractive", model: "extractive-v1" },
    citations: { total: 2, verified: 1, unverified: 1 },
    error: null,
    createdAt: "2026-11-28T10:00:00Z",
    updatedAt: "2026-11-28T10:00:00Z",
  };
}

const doc = (title: string | null): Document => ({
  id: "doc_1",
  projectId: "prj_1",
  filename: "paper.pdf",
  mediaType: "application/pdf",
  byteSize: 1,
  sha256: "0".repeat(64),
  status: "ready",
  progress: null,
  error: null,
  pageCount: 9,
  metadata: { title, authors: ["A. Author"], abstract: null, doi: "10.1/x", year: 2024, language: "en" },
  createdAt: "2026-11-28T10:00:00Z",
  updatedAt: "2026-11-28T10:00:00Z",
});

const BODY = "# T\n\n- A claim. [p. 3]\n- Another. [p. 12, unverified]\n";

describe("citations", () => {
  it("when the PDF is in the vault, then [p. N] becomes a link that opens it at page N; otherwise it stays plain text", () => {
    expect(renderCitations(BODY, "papers/x y.pdf", "wikilink")).toBe(
      "# T\n\n- A claim. [[papers/x y.pdf#page=3|p. 3]]\n- Another. [[papers/x y.pdf#page=12|p. 12, unverified]]\n",
    );
    expect(renderCitations(BODY, "papers/x y.pdf", "markdown")).toContain("[p. 3](papers/x%20y.pdf#page=3)");
    expect(renderCitations(BODY, null, "wikilink")).toBe(BODY);
  });

  it("when the PDF's path has characters a wikilink cannot hold, then a Markdown link is used", () => {
    expect(pageLink("papers/a#b [1].pdf", 2, "p. 2", "wikilink")).toBe(
      "[p. 2](papers/a%23b%20%5B1%5D.pdf#page=2)",
    );
  });
});

describe("vault paths", () => {
  it("when normalizePath is given messy slashes, then it behaves as Obsidian's (and resolves no ..)", () => {
    expect(normalizePath("//notes\\\\sub//")).toBe("notes/sub");
    expect(normalizePath("")).toBe("/");
    expect(normalizePath("a/../b")).toBe("a/../b");
  });

  it("when the notes folder is the config folder, hidden, absolute or climbs out, then it is refused", () => {
    for (const folder of [
      ".obsidian",
      ".obsidian/plugins",
      "x/../.obsidian",
      "../up",
      "a/../../b",
      "/etc",
      "C:\\x",
      ".git",
      "custom-config/notes",
    ]) {
      expect(() =>
        notesFolderPath(folder, folder.startsWith("custom") ? "custom-config" : ".obsidian"),
      ).toThrow(UnsafePathError);
    }
    expect(notesFolderPath(" Literature notes/ ", ".obsidian")).toBe("Literature notes");
    expect(notesFolderPath("", ".obsidian")).toBe("");
  });

  it("when a file name would leave the folder, then notePath refuses it", () => {
    expect(() => notePath("notes", "../x.md")).toThrow(UnsafePathError);
    expect(() => notePath("notes", ".obsidian")).toThrow(UnsafePathError);
    expect(notePath("notes", "A.md")).toBe("notes/A.md");
  });
});

describe("writeNoteToVault", () => {
  let vault: TestVault | undefined;
  afterEach(() => vault?.cleanup());

  it("when the title is a path that climbs out of the vault, then the note gets a safe name directly in the notes folder", async () => {
    vault = createTestVault({ "papers/paper.pdf": "%PDF" });
    const note = await serverNote("../../../../tmp/.obsidian/evil", BODY);

    const written = await writeNoteToVault(
      vault.app as never,
      { notesFolder: "notes", linkStyle: "wikilink" },
      {
        note,
        document: doc(note.title),
        pdfPath: "papers/paper.pdf",
      },
    );

    // ".obsidian" survives only as words inside one plain file name: no separator, no leading dot.
    expect(written.path).toBe("notes/tmp .obsidian evil.md");
    expect(
      listFiles(vault.root).filter(
        (f) => !f.startsWith("vault/papers/") && !f.startsWith("vault/.obsidian/"),
      ),
    ).toEqual(["vault/notes/tmp .obsidian evil.md"]);
  });

  it("when the note is regenerated unedited with new content, then it is overwritten in place and the user's frontmatter is kept", async () => {
    vault = createTestVault({ "papers/paper.pdf": "%PDF" });
    const settings = { notesFolder: "notes", linkStyle: "wikilink" as const };
    const first = await writeNoteToVault(vault.app as never, settings, {
      note: await serverNote("A paper", BODY),
      document: doc("A paper"),
      pdfPath: "papers/paper.pdf",
    });
    const file = vault.app.vault.getFileByPath(first.path)!;
    await vault.app.fileManager.processFrontMatter(file, (fm: Record<string, unknown>) => {
      fm.tags = ["to-read", "literature-note"];
      fm.rating = 5;
    });

    const second = await writeNoteToVault(vault.app as never, settings, {
      note: await serverNote("A paper", BODY.replace("A claim.", "A better claim.")),
      document: doc("A paper"),
      pdfPath: "papers/paper.pdf",
    });

    const text = fs.readFileSync(path.join(vault.vaultPath, first.path), "utf8");
    expect(second).toMatchObject({ action: "overwrite", path: first.path });
    expect(text).toContain("A better claim. [[papers/paper.pdf#page=3|p. 3]]");
    expect(text).toMatch(/rating: 5/);
    expect(text).toMatch(/tags:\n {2}- to-read\n {2}- literature-note/);
    expect(listFiles(path.join(vault.vaultPath, "notes"))).toEqual(["A paper.md"]);
  });

  it("when a file that is not ours has the note's name, then it is never overwritten", async () => {
    vault = createTestVault({ "notes/A paper.md": "# My handwritten notes\n" });

    const written = await writeNoteToVault(
      vault.app as never,
      { notesFolder: "notes", linkStyle: "wikilink" },
      {
        note: await serverNote("A paper", BODY),
        document: doc("A paper"),
        pdfPath: null,
      },
    );

    expect(written.action).toBe("sibling");
    expect(fs.readFileSync(path.join(vault.vaultPath, "notes/A paper.md"), "utf8")).toBe(
      "# My handwritten notes\n",
    );
    expect(fs.readFileSync(path.join(vault.vaultPath, written.path), "utf8")).toContain("- A claim. [p. 3]");
  });
});
