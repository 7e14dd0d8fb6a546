/**
 * A real backend in local mode for end-to-end tests: the server and the worker as two processes on
 * a temp DATA_DIR and a free loopback port, exactly as `npm start` runs them. Used by the CLI and
 * editor-plugin tests (plugins may import this in tests only; their code uses the SDK alone).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const corpusDir = path.resolve(repoRoot, "../shared/corpus");

export interface LocalBackend {
  url: string;
  /** The API token the first start created (from the discovery file). */
  token: string;
  /** The default project ("My library"). */
  projectId: string;
  dataDir: string;
  /** XDG_CONFIG_HOME the server wrote its discovery copy into. */
  configHome: string;
  env: Record<string, string>;
  server: ChildProcess & { output: string[] };
  worker: ChildProcess & { output: string[] };
  /** Kills the worker (SIGKILL) if it still runs, and starts a new one on the same DATA_DIR. */
  restartWorker(): Promise<void>;
  /** Stops the server only (to test "server down" handling); `stop()` still cleans up. */
  stopServer(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => {
        resolve(port);
      });
    });
  });
}

function startRole(
  role: "server" | "worker",
  env: Record<string, string>,
): ChildProcess & { output: string[] } {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, `${role}/src/main.ts`)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  }) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout!.on("data", (d: Buffer) => child.output.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => child.output.push(d.toString()));
  return child;
}

/** Polls `check` until it returns a truthy value (errors count as "not yet"); fails after `ms`. */
export async function waitFor<T>(
  check: () => Promise<T | null | false | undefined> | T | null | false | undefined,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once("exit", () => {
      resolve();
    });
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
  });

/** Starts server + worker; resolves once /readyz answers and the discovery file exists. */
export async function startLocalBackend(extraEnv: Record<string, string> = {}): Promise<LocalBackend> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "aa-backend-data-"));
  const configHome = mkdtempSync(path.join(os.tmpdir(), "aa-backend-config-"));
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    PORT: String(port),
    XDG_CONFIG_HOME: configHome,
    LOG_LEVEL: "warn",
    JOB_LEASE_MS: "3000",
    JOB_BACKOFF_MS: "100",
    NODE_ENV: "test",
    ...extraEnv,
  };
  const url = `http://127.0.0.1:${port}`;
  const server = startRole("server", env);
  let worker = startRole("worker", env);
  await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 60_000, "server ready");
  const discoveryFile = path.join(dataDir, "local-server.json");
  await waitFor(() => existsSync(discoveryFile), 20_000, "discovery file");
  const discovery = JSON.parse(readFileSync(discoveryFile, "utf8")) as { token: string; projectId: string };
  const backend: LocalBackend = {
    url,
    token: discovery.token,
    projectId: discovery.projectId,
    dataDir,
    configHome,
    env,
    server,
    get worker() {
      return worker;
    },
    async restartWorker() {
      if (worker.exitCode === null && worker.signalCode === null) {
        const exited = new Promise((r) => worker.once("exit", r));
        worker.kill("SIGKILL");
        await exited;
      }
      worker = startRole("worker", env);
    },
    async stopServer() {
      await stopChild(server);
    },
    async stop() {
      await Promise.all([stopChild(server), stopChild(worker)]);
      for (const dir of [dataDir, configHome]) rmSync(dir, { recursive: true, force: true });
    },
  };
  return backend;
}
