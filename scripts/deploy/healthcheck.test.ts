/**
 * The container health probe (scripts/deploy/healthcheck.mjs, /app/healthcheck.mjs in the images),
 * run as Docker runs it: a separate `node` process whose exit code is the verdict.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./deploy-files.ts";

const PROBE = path.join(ROOT, "scripts/deploy/healthcheck.mjs");

function probe(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROBE, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

describe("healthcheck.mjs http", () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/healthz")
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      else if (req.url === "/hang") return;
      else res.writeHead(503).end();
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("when /healthz answers 200, then the probe exits 0 at once (a kept-alive socket does not hold it)", async () => {
    const started = Date.now();

    const result = await probe("http", `${base}/healthz`);

    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("when the server answers an error status, then the probe exits 1 saying so", async () => {
    const result = await probe("http", `${base}/down`);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("503");
  });

  it("when nothing listens, then the probe exits 1", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));

    const result = await probe("http", `http://127.0.0.1:${port}/healthz`);

    expect(result.code).toBe(1);
  });

  it("when the server hangs, then the probe gives up within its own timeout and exits 1", async () => {
    const result = await probe("http", `${base}/hang`);

    expect(result.code).toBe(1);
  }, 15_000);
});

describe("healthcheck.mjs file (worker heartbeat)", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "aa-probe-"));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("when the heartbeat is fresh, then the probe exits 0", async () => {
    const file = path.join(dir, "fresh");
    writeFileSync(file, new Date().toISOString());

    expect((await probe("file", file, "60")).code).toBe(0);
  });

  it("when the heartbeat is older than the limit, then the probe exits 1", async () => {
    const file = path.join(dir, "stale");
    writeFileSync(file, "x");
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);

    const result = await probe("file", file, "60");

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/1[12]\d s old/);
  });

  it("when there is no heartbeat yet, then the probe exits 1", async () => {
    expect((await probe("file", path.join(dir, "missing"), "60")).code).toBe(1);
  });

  it("when called wrongly, then the probe exits 2 with its usage", async () => {
    const result = await probe("file", path.join(dir, "fresh"));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("usage");
  });
});
