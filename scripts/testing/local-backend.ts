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
  /** Stops the server and the worker (SIGTERM, as Ctrl-C does) and keeps DATA_DIR and the config folder. */
  halt(): Promise<void>;
  /** Stops both processes and deletes DATA_DIR and the config folder. */
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

/**
 * Starts server + worker; resolves once /readyz answers and the discovery file exists. DATA_DIR and
 * XDG_CONFIG_HOME are fresh temp folders unless `extraEnv` names them (to start again on kept data).
 */
export async function startLocalBackend(extraEnv: Record<string, string> = {}): Promise<LocalBackend> {
  const dataDir = extraEnv.DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), "aa-backend-data-"));
  const configHome = extraEnv.XDG_CONFIG_HOME ?? mkdtempSync(path.join(os.tmpdir(), "aa-backend-config-"));
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
    async halt() {
      await Promise.all([stopChild(server), stopChild(worker)]);
    },
    async stop() {
      await Promise.all([stopChild(server), stopChild(worker)]);
      for (const dir of [dataDir, configHome]) rmSync(dir, { recursive: true, force: true });
    },
  };
  return backend;
}

/** The role processes of the split topology, in start order (the gateway last: it probes the others). */
export const SPLIT_ROLES = ["auth", "project", "document", "llm", "note", "gateway"] as const;
export type SplitRole = (typeof SPLIT_ROLES)[number];

export interface SplitTopology {
  /** The gateway: what clients use as `baseURL`. */
  url: string;
  /** Each role's own URL (direct access, for tests of the trust boundary). */
  roleUrls: Record<SplitRole, string>;
  /** The worker's /metrics listener. */
  workerMetricsUrl: string;
  /** The API token the gateway's first start created (local bootstrap), and its default project. */
  token: string;
  projectId: string;
  dataDir: string;
  env: Record<string, string>;
  roles: Record<SplitRole, ChildProcess & { output: string[] }>;
  worker: ChildProcess & { output: string[] };
  /** Stops one role (SIGTERM, then SIGKILL), to test what the gateway does without it. */
  stopRole(role: SplitRole): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The split topology as separate processes on loopback: the five role services and the gateway
 * (`SERVICE`/`PORT` each, `API_BASE_URL_*` on the gateway) and one worker (with its metrics port).
 * Embedded mode by default: every process shares one DATA_DIR (SQLite in WAL mode, local blobs);
 * `extraEnv` with MONGODB_URL, REDIS_URL, ELASTICSEARCH_URL, S3_* puts them on the production stack.
 * Resolves once the gateway's /readyz (which includes every role's) answers 200.
 */
export async function startSplitTopology(extraEnv: Record<string, string> = {}): Promise<SplitTopology> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "aa-split-data-"));
  const configHome = mkdtempSync(path.join(os.tmpdir(), "aa-split-config-"));
  const ports = Object.fromEntries(
    await Promise.all(SPLIT_ROLES.map(async (role) => [role, await freePort()] as const)),
  ) as Record<SplitRole, number>;
  const workerMetricsPort = await freePort();
  const roleUrls = Object.fromEntries(
    SPLIT_ROLES.map((role) => [role, `http://127.0.0.1:${ports[role]}`]),
  ) as Record<SplitRole, string>;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    XDG_CONFIG_HOME: configHome,
    // Every process of a deployment shares the key: it signs JWTs and the gateway's identities.
    SECRET_KEY: `split-topology-test-key-${process.pid}-0123456789abcdef`,
    LOG_LEVEL: "warn",
    JOB_LEASE_MS: "3000",
    JOB_BACKOFF_MS: "100",
    NODE_ENV: "test",
    ...extraEnv,
  };
  const gatewayEnv = {
    API_BASE_URL_AUTH: roleUrls.auth,
    API_BASE_URL_PROJECT: roleUrls.project,
    API_BASE_URL_DOCUMENT: roleUrls.document,
    API_BASE_URL_LLM: roleUrls.llm,
    API_BASE_URL_NOTE: roleUrls.note,
  };
  const roles = {} as Record<SplitRole, ChildProcess & { output: string[] }>;
  for (const role of SPLIT_ROLES) {
    roles[role] = startRole("server", {
      ...env,
      SERVICE: role,
      PORT: String(ports[role]),
      ...(role === "gateway" ? gatewayEnv : {}),
    });
  }
  const worker = startRole("worker", { ...env, WORKER_METRICS_PORT: String(workerMetricsPort) });
  const all = [...Object.values(roles), worker];
  const stopAll = async () => {
    await Promise.all(all.map(stopChild));
    for (const dir of [dataDir, configHome]) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        const exited = SPLIT_ROLES.find((r) => roles[r].exitCode !== null);
        if (exited) throw new Error(`${exited} exited:\n${roles[exited].output.join("")}`);
        return (await fetch(`${roleUrls.gateway}/readyz`)).ok;
      },
      90_000,
      "gateway ready (every role ready)",
    );
  } catch (e) {
    const logs = SPLIT_ROLES.map((r) => `--- ${r}\n${roles[r].output.join("").slice(-2000)}`).join("\n");
    await stopAll();
    throw new Error(`split topology did not start: ${(e as Error).message}\n${logs}`);
  }
  const discoveryFile = path.join(dataDir, "local-server.json");
  await waitFor(() => existsSync(discoveryFile), 20_000, "discovery file");
  const discovery = JSON.parse(readFileSync(discoveryFile, "utf8")) as { token: string; projectId: string };
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${workerMetricsPort}/healthz`)).ok,
    60_000,
    "worker up",
  );
  return {
    url: roleUrls.gateway,
    roleUrls,
    workerMetricsUrl: `http://127.0.0.1:${workerMetricsPort}/metrics`,
    token: discovery.token,
    projectId: discovery.projectId,
    dataDir,
    env,
    roles,
    worker,
    stopRole: (role) => stopChild(roles[role]),
    stop: stopAll,
  };
}
