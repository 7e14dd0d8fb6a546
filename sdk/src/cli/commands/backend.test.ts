import os from "node:os";
import { describe, expect, it } from "vitest";
import { main } from "../main.ts";
import { backendCommand } from "./backend.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      env: {},
      cwd: os.tmpdir(),
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

describe("academic-assist backup/restore delegation", () => {
  it("when the backend is not installed next to the CLI, then backup explains where it works and fails", async () => {
    const run = capture();

    const code = await backendCommand(["backup", "/tmp/x"], run.io, "@academic-assist/not-installed/backup");

    expect(code).toBe(1);
    expect(run.stderr()).toMatch(
      /`academic-assist backup` works on a local backend's data, and no backend is installed here/,
    );
    expect(run.stderr()).toContain("docs/runbooks/disaster-recovery.md");
  });

  it("when the backend is installed, then `academic-assist restore --help` prints its usage", async () => {
    const run = capture();

    const code = await main(["restore", "--help"], run.io);

    expect(code).toBe(0);
    expect(run.stdout()).toMatch(/restore <dir>\s+Replace DATA_DIR with the backup/);
  });

  it("when `academic-assist --help` runs, then it lists the local-mode operations", async () => {
    const run = capture();

    await main(["--help"], run.io);

    expect(run.stdout()).toMatch(/backup <dir>/);
    expect(run.stdout()).toMatch(/restore <dir>/);
  });
});
