import { noteFileName, resolveNotePath, UnsafePathError } from "@academic-assist/sdk/writeback";
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NotesFolderError } from "../errors.ts";
import { assertConfinedOnDisk, isInside, notesFolderSegments } from "./confine.ts";

const tmp = (prefix: string) => realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));

describe("note paths", () => {
  it("when a title contains ../ (or any traversal trick), then the note path stays a direct child of the notes folder", () => {
    const titles = [
      "../../../etc/passwd",
      "..\\..\\Windows\\System32\\evil",
      "notes/../../outside",
      "/absolute/path",
      "C:\\Users\\me",
      ". .. ...",
      "..",
      ".git/hooks/post-checkout",
      "%2e%2e%2fencoded",
      "a\u202e/../b",
    ];

    for (const title of titles) {
      const file = resolveNotePath("/ws/notes", noteFileName(title, "paper"));

      expect(path.posix.dirname(file)).toBe("/ws/notes");
      expect(path.posix.basename(file)).not.toMatch(/^\.|\/|\\|\.\./);
    }
  });

  it("when a file name that was not made by noteFileName tries to climb out, then it is refused", () => {
    expect(() => resolveNotePath("/ws/notes", "../evil.md")).toThrow(UnsafePathError);
  });

  it("when the notes-folder setting is absolute, climbs out or names a configuration folder, then it is refused", () => {
    expect(() => notesFolderSegments("/etc")).toThrow(NotesFolderError);
    expect(() => notesFolderSegments("C:\\notes")).toThrow(NotesFolderError);
    expect(() => notesFolderSegments("../outside")).toThrow(/leads outside the workspace folder/);
    expect(() => notesFolderSegments("notes/../../x")).toThrow(NotesFolderError);
    expect(() => notesFolderSegments(".git/notes")).toThrow(/configuration folder/);
    expect(notesFolderSegments("./research\\notes/")).toEqual(["research", "notes"]);
  });

  it("when a path is compared with the workspace, then only the workspace and what is below it are inside", () => {
    expect(isInside("/ws", "/ws")).toBe(true);
    expect(isInside("/ws", "/ws/notes")).toBe(true);
    expect(isInside("/ws", "/ws-other/notes")).toBe(false);
    expect(isInside("/ws", "/")).toBe(false);
  });
});

describe("notes folder on disk", () => {
  it("when the notes folder is a symlink to a folder inside the workspace, then it is accepted", async () => {
    const ws = tmp("aa-confine-");
    mkdirSync(path.join(ws, "research", "notes"), { recursive: true });
    symlinkSync(path.join(ws, "research", "notes"), path.join(ws, "notes"), "dir");

    await expect(assertConfinedOnDisk(ws, ["notes"])).resolves.toBeUndefined();
  });

  it("when the notes folder does not exist yet, then it is accepted (it will be created inside)", async () => {
    await expect(assertConfinedOnDisk(tmp("aa-confine-"), ["a", "b"])).resolves.toBeUndefined();
  });

  it("when the notes folder or a parent is a symlink leading outside the workspace, then it is refused with the reason", async () => {
    const ws = tmp("aa-confine-");
    const outside = tmp("aa-outside-");
    symlinkSync(outside, path.join(ws, "notes"), "dir");
    symlinkSync(outside, path.join(ws, "docs"), "dir");

    await expect(assertConfinedOnDisk(ws, ["notes"])).rejects.toThrow(
      new RegExp(`"notes" is a symbolic link to ${outside}, outside the workspace folder`),
    );
    await expect(assertConfinedOnDisk(ws, ["docs", "notes"])).rejects.toThrow(
      /reached through "docs", a symbolic link/,
    );
  });

  it("when the notes folder is a dangling symlink, then it is refused", async () => {
    const ws = tmp("aa-confine-");
    symlinkSync(path.join(ws, "nowhere"), path.join(ws, "notes"), "dir");

    await expect(assertConfinedOnDisk(ws, ["notes"])).rejects.toThrow(/broken symbolic link/);
  });
});
