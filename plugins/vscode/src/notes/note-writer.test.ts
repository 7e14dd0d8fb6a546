import { contentHash } from "@academic-assist/sdk/writeback";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", async () => (await import("../test/vscode-double.ts")).vscodeDouble);

// The module under test and this test both see the mocked "vscode": VS Code's types, the double's behaviour.
import * as vscode from "vscode";
import { resetDouble } from "../test/vscode-double.ts";
import { writeNoteFile } from "./note-writer.ts";

async function generated(body: string): Promise<string> {
  return `---\ntitle: "A paper"\ncontent_hash: "${await contentHash(body)}"\n---\n${body}`;
}

describe("writeNoteFile (with the VSCODE API DOUBLE on a real temp folder)", () => {
  let ws: string;
  const folder = () => vscode.workspace.workspaceFolders![0]!;

  beforeEach(() => {
    ws = realpathSync(mkdtempSync(path.join(os.tmpdir(), "aa-writer-")));
    resetDouble([ws]);
  });

  it("when the PDF is in the workspace, then citations link to it relative to the note", async () => {
    const markdown = await generated("- A claim. [p. 2]\n");

    const r = await writeNoteFile({
      workspaceFolder: folder(),
      notesFolder: "notes",
      fileName: "A paper.md",
      markdown,
      pdf: vscode.Uri.file(path.join(ws, "papers", "My paper.pdf")),
    });

    expect(r.plan.action).toBe("create");
    expect(readFileSync(path.join(ws, "notes", "A paper.md"), "utf8")).toContain(
      "- A claim. [p. 2](../papers/My%20paper.pdf#page=2)",
    );
  });

  it("when the note file itself is a symlink to a file outside, then a sibling is written and the target is untouched", async () => {
    const outside = path.join(realpathSync(mkdtempSync(path.join(os.tmpdir(), "aa-outside-"))), "target.md");
    writeFileSync(outside, "outside\n");
    await vscode.workspace.fs.createDirectory(vscode.Uri.file(path.join(ws, "notes")));
    symlinkSync(outside, path.join(ws, "notes", "A paper.md"));

    const r = await writeNoteFile({
      workspaceFolder: folder(),
      notesFolder: "notes",
      fileName: "A paper.md",
      markdown: await generated("body\n"),
      now: new Date(2026, 10, 28, 15, 30),
    });

    expect(r.plan.action).toBe("sibling");
    expect(path.basename(r.uri.fsPath)).toBe("A paper (regenerated 2026-11-28 1530).md");
    expect(readFileSync(outside, "utf8")).toBe("outside\n");
  });

  it("when a file that is not ours has the note's name, then it is kept and the note goes next to it", async () => {
    await vscode.workspace.fs.writeFile(
      vscode.Uri.file(path.join(ws, "notes", "A paper.md")),
      new TextEncoder().encode("# mine\n"),
    );

    const r = await writeNoteFile({
      workspaceFolder: folder(),
      notesFolder: "notes",
      fileName: "A paper.md",
      markdown: await generated("x\n"),
    });

    expect(r.plan.action).toBe("sibling");
    expect(r.plan.reason).toContain("not generated");
    expect(readFileSync(path.join(ws, "notes", "A paper.md"), "utf8")).toBe("# mine\n");
    expect(readdirSync(path.join(ws, "notes"))).toHaveLength(2);
  });

  it("when the unedited, linked note is regenerated with new content, then it is overwritten in place", async () => {
    const pdf = vscode.Uri.file(path.join(ws, "paper.pdf"));
    await writeNoteFile({
      workspaceFolder: folder(),
      notesFolder: "notes",
      fileName: "A.md",
      markdown: await generated("old [p. 1]\n"),
      pdf,
    });

    const r = await writeNoteFile({
      workspaceFolder: folder(),
      notesFolder: "notes",
      fileName: "A.md",
      markdown: await generated("new [p. 2]\n"),
      pdf,
    });

    expect(r.plan.action).toBe("overwrite");
    expect(readFileSync(path.join(ws, "notes", "A.md"), "utf8")).toContain("new [p. 2](../paper.pdf#page=2)");
    expect(readdirSync(path.join(ws, "notes"))).toEqual(["A.md"]);
  });

  it("when the file name would leave the notes folder, then nothing is written", async () => {
    await expect(
      writeNoteFile({
        workspaceFolder: folder(),
        notesFolder: "notes",
        fileName: "../evil.md",
        markdown: "x",
      }),
    ).rejects.toThrow(/Not a safe note file name/);
    expect(existsSync(path.join(ws, "evil.md"))).toBe(false);
  });
});
