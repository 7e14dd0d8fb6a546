import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isLoopbackUrl, readLocalServer } from "./discovery.ts";

function configHome(content: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aa-xdg-"));
  mkdirSync(path.join(dir, "academic-assist"));
  writeFileSync(path.join(dir, "academic-assist", "local-server.json"), JSON.stringify(content));
  return dir;
}

describe("local server discovery", () => {
  it("when the URL is loopback, then it counts as local; anything else does not", () => {
    expect(isLoopbackUrl("http://127.0.0.1:8000")).toBe(true);
    expect(isLoopbackUrl("http://localhost:9")).toBe(true);
    expect(isLoopbackUrl("http://[::1]:8000")).toBe(true);
    expect(isLoopbackUrl("https://assist.example.org")).toBe(false);
    expect(isLoopbackUrl("http://127.0.0.1.evil.example")).toBe(false);
  });

  it("when the discovery file describes the configured local server, then its token is used", async () => {
    const xdg = configHome({ url: "http://127.0.0.1:8000", token: "local-token", projectId: "prj_1" });

    expect(await readLocalServer("http://127.0.0.1:8000", { XDG_CONFIG_HOME: xdg })).toEqual({
      url: "http://127.0.0.1:8000",
      token: "local-token",
      projectId: "prj_1",
    });
  });

  it("when the configured server is remote or another port, then the local token is never offered", async () => {
    const xdg = configHome({ url: "http://127.0.0.1:8000", token: "local-token", projectId: "prj_1" });

    expect(await readLocalServer("https://assist.example.org", { XDG_CONFIG_HOME: xdg })).toBeNull();
    expect(await readLocalServer("http://127.0.0.1:9000", { XDG_CONFIG_HOME: xdg })).toBeNull();
  });

  it("when the discovery file is missing or malformed, then there is no local server", async () => {
    expect(
      await readLocalServer("http://127.0.0.1:8000", { XDG_CONFIG_HOME: configHome("nonsense") }),
    ).toBeNull();
    expect(await readLocalServer("http://127.0.0.1:8000", { XDG_CONFIG_HOME: "/nonexistent" })).toBeNull();
  });
});
