import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("npm start (scripts/start.ts)", () => {
  it("when started, then the server answers and prints its token; on Ctrl-C both processes stop cleanly", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "aa-start-"));
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/start.ts")], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        XDG_CONFIG_HOME: dataDir,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));

    const deadline = Date.now() + 60_000;
    while (!/aa_[\w-]+/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    rmSync(dataDir, { recursive: true, force: true });

    expect(output).toContain(`http://127.0.0.1:${port}`);
    expect(output).toMatch(/aa_[\w-]{20,}/);
    expect(health.status).toBe(200);
    expect(code).toBe(0);
  }, 90_000);
});
