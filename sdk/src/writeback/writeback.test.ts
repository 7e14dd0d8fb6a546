import { describe, expect, it } from "vitest";
import { contentHash } from "./content-hash.ts";
import { noteFileName, planWrite, resolveNotePath, UnsafePathError } from "./index.ts";

async function generatedNote(body: string, generatedAt = "2026-11-28T15:30:00Z"): Promise<string> {
  const hash = await contentHash(body);
  return `---\ntitle: "A paper"\ngenerated_at: ${generatedAt}\ncontent_hash: "${hash}"\n---\n${body}`;
}

describe("noteFileName", () => {
  it("when the title is plain, then it becomes the file name with .md", () => {
    expect(noteFileName("Attention Is All You Need", "paper")).toBe("Attention Is All You Need.md");
  });

  it("when the title contains ../ or ..\\, then no path separators or parent references survive", () => {
    const a = noteFileName("../../etc/passwd", "x");
    const b = noteFileName("..\\..\\Windows\\system32", "x");

    for (const name of [a, b]) {
      expect(name).not.toMatch(/[/\\]/);
      expect(name).not.toContain("..");
      expect(name.startsWith(".")).toBe(false);
    }
    expect(a).toBe("etc passwd.md");
  });

  it("when the title is an absolute path, then it becomes a plain name", () => {
    expect(noteFileName("/etc/passwd", "x")).toBe("etc passwd.md");
    expect(noteFileName("C:\\Users\\me", "x")).toBe("C Users me.md");
  });

  it("when the title is .obsidian or only dots, then the result is not hidden", () => {
    expect(noteFileName("Wait... what", "x")).toBe("Wait… what.md");
    expect(noteFileName(".obsidian", "x")).toBe("obsidian.md");
    expect(noteFileName("...", "fallback")).toBe("fallback.md");
  });

  it("when the title has characters Windows or Obsidian links refuse, then they are replaced", () => {
    expect(noteFileName('What? A "study" of <x>: a|b*c #tag ^block [[link]]', "x")).toBe(
      "What A study of x a b c tag block link.md",
    );
  });

  it("when the title has control characters and runs of whitespace, then they collapse to single spaces", () => {
    expect(noteFileName("A\u0000B\tC\n\nD\u202eE  ", "x")).toBe("A B C D E.md");
  });

  it("when the title is a reserved Windows device name, then it is prefixed", () => {
    expect(noteFileName("CON", "x")).toBe("_CON.md");
    expect(noteFileName("lpt1.txt", "x")).toBe("_lpt1.txt.md");
    expect(noteFileName("Console", "x")).toBe("Console.md");
  });

  it("when the title is empty, null or only unsafe characters, then the fallback is used, and never an empty name", () => {
    expect(noteFileName(null, "paper.pdf")).toBe("paper.pdf.md");
    expect(noteFileName("   ", "paper")).toBe("paper.md");
    expect(noteFileName("///", "???")).toBe("note.md");
  });

  it("when the title is Japanese, then it is kept (NFKC-normalised)", () => {
    expect(noteFileName("深層学習による文書理解", "x")).toBe("深層学習による文書理解.md");
    expect(noteFileName("ﾃﾞｰﾀ　解析", "x")).toBe("データ 解析.md");
  });

  it("when the title has emoji, then they are kept whole", () => {
    expect(noteFileName("Robots 🤖 and families 👨‍👩‍👧", "x")).toBe("Robots 🤖 and families 👨‍👩‍👧.md");
  });

  it("when the title is very long, then it is cut on a grapheme boundary within 100 characters and 200 bytes", () => {
    const latin = noteFileName("word ".repeat(100), "x");
    const japanese = noteFileName("あ".repeat(300), "x");
    const emoji = noteFileName("👨‍👩‍👧".repeat(60), "x");

    const segments = new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(
      latin.replace(/\.md$/, ""),
    );
    expect(Array.from(segments).length).toBeLessThanOrEqual(100);
    expect(latin.endsWith(" .md")).toBe(false);
    expect(new TextEncoder().encode(japanese.replace(/\.md$/, "")).length).toBeLessThanOrEqual(200);
    expect(japanese).toBe(`${"あ".repeat(66)}.md`);
    expect(emoji.replace(/\.md$/, "")).toBe("👨‍👩‍👧".repeat(Math.floor(200 / 18)));
  });

  it("when the title already ends in .md, then the extension is not doubled", () => {
    expect(noteFileName("README.md", "x")).toBe("README.md");
  });
});

describe("resolveNotePath", () => {
  it("when the file name is plain, then it is joined POSIX-style inside the folder", () => {
    expect(resolveNotePath("Research/Notes", "A paper.md")).toBe("Research/Notes/A paper.md");
    expect(resolveNotePath("Research\\Notes\\", "A paper.md")).toBe("Research/Notes/A paper.md");
    expect(resolveNotePath("", "A paper.md")).toBe("A paper.md");
    expect(resolveNotePath("/home/me/notes/", "x.md")).toBe("/home/me/notes/x.md");
    expect(resolveNotePath("C:\\Users\\me\\notes", "x.md")).toBe("C:/Users/me/notes/x.md");
  });

  it("when the file name climbs out with ../ or ..\\, then it throws", () => {
    expect(() => resolveNotePath("notes", "../evil.md")).toThrow(UnsafePathError);
    expect(() => resolveNotePath("notes", "..\\evil.md")).toThrow(UnsafePathError);
    expect(() => resolveNotePath("notes", "..")).toThrow(UnsafePathError);
  });

  it("when the file name is absolute, then it throws", () => {
    expect(() => resolveNotePath("notes", "/etc/passwd")).toThrow(UnsafePathError);
    expect(() => resolveNotePath("notes", "C:\\evil.md")).toThrow(UnsafePathError);
    expect(() => resolveNotePath("notes", "C:evil.md")).toThrow(UnsafePathError);
  });

  it("when the file name is hidden or empty, then it throws", () => {
    expect(() => resolveNotePath("notes", ".obsidian")).toThrow(UnsafePathError);
    expect(() => resolveNotePath("notes", "")).toThrow(UnsafePathError);
  });

  it("when the folder is inside .obsidian, then it throws", () => {
    expect(() => resolveNotePath(".obsidian/plugins", "x.md")).toThrow(UnsafePathError);
    expect(() => resolveNotePath("notes/../.obsidian", "x.md")).toThrow(UnsafePathError);
  });

  it("when noteFileName made the name, then resolveNotePath always accepts it", () => {
    for (const title of [
      "../../x",
      "..\\y",
      "/abs",
      ".obsidian",
      "",
      "🤖",
      "日本語",
      "CON",
      "a".repeat(500),
    ]) {
      expect(resolveNotePath("notes", noteFileName(title, "fallback"))).toMatch(/^notes\/[^/]+\.md$/);
    }
  });
});

describe("planWrite", () => {
  it("when there is no file yet, then it creates it", async () => {
    const plan = await planWrite({ existing: null, incoming: await generatedNote("body"), fileName: "A.md" });

    expect(plan).toMatchObject({ action: "create", fileName: "A.md" });
  });

  it("when the existing note is unedited and the new one differs, then it overwrites", async () => {
    const existing = await generatedNote("old body\n");
    const incoming = await generatedNote("new body\n");

    const plan = await planWrite({ existing, incoming, fileName: "A.md" });

    expect(plan).toMatchObject({ action: "overwrite", fileName: "A.md" });
  });

  it("when the existing note is identical (even with CRLF line endings), then it is unchanged", async () => {
    const note = await generatedNote("same\nbody\n");

    const plan = await planWrite({ existing: note.replace(/\n/g, "\r\n"), incoming: note, fileName: "A.md" });

    expect(plan.action).toBe("unchanged");
  });

  it("when only the frontmatter differs, then it is unchanged (the user's tags are kept)", async () => {
    const existing = (await generatedNote("same body\n")).replace("---\n", "---\ntags: [ml]\n");
    const incoming = await generatedNote("same body\n", "2026-11-29T09:00:00Z");

    expect((await planWrite({ existing, incoming, fileName: "A.md" })).action).toBe("unchanged");
  });

  it("when the user edited the note, then it writes a timestamped sibling and says why", async () => {
    const existing = (await generatedNote("generated body\n")) + "my own thoughts\n";
    const incoming = await generatedNote("regenerated body\n");

    const plan = await planWrite({
      existing,
      incoming,
      fileName: "A.md",
      now: new Date(2026, 10, 28, 15, 30),
    });

    expect(plan.action).toBe("sibling");
    expect(plan.fileName).toBe("A (regenerated 2026-11-28 1530).md");
    expect(plan.reason).toContain("edited");
  });

  it("when the file is not ours (no content_hash), then it writes a sibling", async () => {
    const plan = await planWrite({
      existing: "# My handwritten notes\n",
      incoming: await generatedNote("body"),
      fileName: "A.md",
      now: new Date(2026, 10, 28, 15, 30),
    });

    expect(plan.action).toBe("sibling");
    expect(plan.reason).toContain("not generated");
  });

  it("when sibling names are taken, then it picks the next free one", async () => {
    const taken = new Set(["A (regenerated 2026-11-28 1530).md", "A (regenerated 2026-11-28 1530) 2.md"]);

    const plan = await planWrite({
      existing: "handwritten",
      incoming: await generatedNote("body"),
      fileName: "A.md",
      now: new Date(2026, 10, 28, 15, 30),
      exists: async (name) => taken.has(name),
    });

    expect(plan.fileName).toBe("A (regenerated 2026-11-28 1530) 3.md");
  });
});
