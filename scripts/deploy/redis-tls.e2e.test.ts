/**
 * The worker configured as the CDK app configures it on ECS — REDIS_HOST/REDIS_PORT, REDIS_TLS=true,
 * REDIS_PASSWORD, NODE_ENV=production, no SECRET_KEY — against a real redis-server that, like
 * ElastiCache with in-transit encryption and AUTH, accepts only TLS and only with the token. The
 * certificate comes from a throwaway CA that the worker trusts through NODE_EXTRA_CA_CERTS (Amazon's
 * CA is in Node's own list).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, repoRoot, waitFor } from "../testing/local-backend.ts";

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const missing = ["redis-server", "openssl"].filter((c) => !has(c));
if (missing.length > 0) console.warn(`redis-tls: skipped, ${missing.join(" and ")} not on the PATH`);

const TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

describe.skipIf(missing.length > 0)("worker → Redis with TLS required and AUTH (as on ElastiCache)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aa-redis-tls-"));
  const file = (name: string) => path.join(dir, name);
  let redis: ChildProcess;
  let port: number;
  const workers: ChildProcess[] = [];

  const openssl = (...args: string[]) => {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  };

  /** A worker process with the ECS environment; `overrides` change it. */
  async function startWorker(overrides: Record<string, string>) {
    const metricsPort = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "worker/src/main.ts")], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        DATA_DIR: mkdtempSync(path.join(dir, "data-")),
        REDIS_HOST: "127.0.0.1",
        REDIS_PORT: String(port),
        REDIS_TLS: "true",
        REDIS_PASSWORD: TOKEN,
        NODE_EXTRA_CA_CERTS: file("ca.crt"),
        WORKER_METRICS_PORT: String(metricsPort),
        WORKER_PROCESSING_CONCURRENCY: "1",
        ...overrides,
      },
      stdio: ["ignore", "pipe", "pipe"],
    }) as ChildProcess & { output: string[] };
    child.output = [];
    child.stdout!.on("data", (d: Buffer) => child.output.push(d.toString()));
    child.stderr!.on("data", (d: Buffer) => child.output.push(d.toString()));
    workers.push(child);
    return { child, base: `http://127.0.0.1:${metricsPort}` };
  }

  beforeAll(async () => {
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "1",
      "-subj",
      "/CN=aa-test-ca",
    );
    openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "redis.key",
      "-out",
      "redis.csr",
      "-subj",
      "/CN=127.0.0.1",
    );
    writeFileSync(file("san.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(
      "x509",
      "-req",
      "-in",
      "redis.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "redis.crt",
      "-days",
      "1",
      "-extfile",
      "san.ext",
    );
    port = await freePort();
    redis = spawn(
      "redis-server",
      [
        "--port",
        "0",
        "--tls-port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--tls-cert-file",
        file("redis.crt"),
        "--tls-key-file",
        file("redis.key"),
        "--tls-ca-cert-file",
        file("ca.crt"),
        "--tls-auth-clients",
        "no",
        "--requirepass",
        TOKEN,
        "--maxmemory-policy",
        "noeviction",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
      ],
      { stdio: "ignore" },
    );
    const ca = readFileSync(file("ca.crt"));
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = tls.connect({ host: "127.0.0.1", port, ca }, () => {
            socket.end();
            resolve(true);
          });
          socket.once("error", () => resolve(false));
        }),
      20_000,
      "redis-server listening with TLS",
    );
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
    redis.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  });

  it("when the worker has the TLS flag and the AUTH token, then it consumes the queue: /healthz 200 and queue depth from Redis", async () => {
    const { child, base } = await startWorker({});

    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`worker exited:\n${(child as never as { output: string[] }).output.join("")}`);
        return (await fetch(`${base}/healthz`)).ok;
      },
      60_000,
      "worker healthy over TLS + AUTH",
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();

    expect(metrics).toMatch(/academic_assist_queue_jobs\{queue="document_processing",status="queued"\} 0/);
  });

  /** Waits for the worker to exit (true) or gives up after a minute (false). */
  const exits = (child: ChildProcess) =>
    waitFor(() => child.exitCode !== null || null, 60_000, "worker stops").then(
      () => true,
      () => false,
    );
  const healthy = (base: string) =>
    fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
  const outputOf = (child: ChildProcess) => (child as never as { output: string[] }).output.join("");

  it("when the AUTH token is wrong, then the worker stops with the refusal logged and the token it sent kept out of the log", async () => {
    const wrong = "not-the-token-0123456789abcdef";
    const { child, base } = await startWorker({ REDIS_PASSWORD: wrong });

    const exited = await exits(child);

    expect(await healthy(base)).toBe(false);
    expect(exited).toBe(true);
    expect(child.exitCode).not.toBe(0);
    expect(outputOf(child)).toContain("WRONGPASS");
    expect(outputOf(child)).toMatch(/academic-assist worker: could not start: .*caused by: WRONGPASS/);
    // ioredis puts the AUTH command, password included, on its errors: it must not reach the log.
    const out = outputOf(child);
    expect(out).not.toContain(wrong);
  });

  it("when the worker connects without TLS, then Redis does not answer it and the worker stops", async () => {
    const { child, base } = await startWorker({ REDIS_TLS: "false" });

    const exited = await exits(child);

    expect(await healthy(base)).toBe(false);
    expect(exited).toBe(true);
    expect(child.exitCode).not.toBe(0);
    expect(outputOf(child)).not.toContain(TOKEN);
  });
});
