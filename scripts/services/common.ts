import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
} from "node:fs";
import { createServer, connect } from "node:net";
import { homedir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

/**
 * Shared plumbing of `scripts/services/`: each service module exports a {@link ServiceLauncher} that
 * starts one real server on 127.0.0.1 on a free port, with its data under `dataDir`, and reports the
 * environment variables the service tests read (`AA_TEST_*`).
 */
export interface ServiceOptions {
  /** An empty folder for this service's data and logs (removed after the run). */
  dataDir: string;
  /** Kept between runs: downloads and builds (`AA_SERVICES_CACHE`, default ~/.cache/academic-assist/services). */
  cacheDir: string;
  /** Progress lines for the person running the tests. */
  log: (line: string) => void;
}

export interface ServiceHandle {
  name: string;
  /** Variables the service tests read, e.g. `AA_TEST_REDIS_URL`. */
  env: Record<string, string>;
  /** Stops the server (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

export type ServiceLauncher = (options: ServiceOptions) => Promise<ServiceHandle>;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.AA_SERVICES_CACHE ??
    path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "academic-assist", "services")
  );
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

/** Resolves once `check` returns true; throws with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s`);
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Starts a long-running server process, its output appended to `<dataDir>/<name>.log`. */
export function spawnServer(
  name: string,
  command: string,
  args: string[],
  options: { dataDir: string; env?: NodeJS.ProcessEnv; cwd?: string },
): { child: ChildProcess; logFile: string; stop: () => Promise<void> } {
  mkdirSync(options.dataDir, { recursive: true });
  const logFile = path.join(options.dataDir, `${name}.log`);
  const out = createWriteStream(logFile, { flags: "a" });
  const child = spawn(command, args, {
    cwd: options.cwd ?? options.dataDir,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
      out.end();
    },
  };
}

/** Runs a command to completion (builds, downloads); rejects with its output on failure. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${args.join(" ")} exited ${String(code)}:\n${output.slice(-4000)}`)),
    );
  });
}

/** Maven Central, where the JVM servers of the service tests (Elasticsearch, OpenSearch) and their modules come from. */
export const MAVEN_CENTRAL = "https://repo.maven.apache.org/maven2";

/**
 * Downloads `url` into `dir` once and returns the file's path. The file is verified against the SHA-1
 * that Maven repositories publish beside every artifact (`<url>.sha1`) and only then moved into place,
 * so an interrupted or corrupted download is never mistaken for a cached one.
 */
export async function downloadVerified(
  url: string,
  dir: string,
  log: (line: string) => void,
): Promise<string> {
  const file = path.join(dir, path.basename(new URL(url).pathname));
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const sums = await fetch(`${url}.sha1`);
  if (!sums.ok) throw new Error(`GET ${url}.sha1 answered ${sums.status}`);
  const expected = (await sums.text()).trim().split(/\s+/)[0]!.toLowerCase();
  log(`downloading ${url}…`);
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
  const partial = `${file}.${process.pid}.partial`;
  const hash = createHash("sha1");
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  body.on("data", (chunk: Buffer) => hash.update(chunk));
  await pipeline(body, createWriteStream(partial));
  const actual = hash.digest("hex");
  if (actual !== expected) {
    rmSync(partial, { force: true });
    throw new Error(`${url}: SHA-1 ${actual} does not match the published ${expected}`);
  }
  renameSync(partial, file);
  return file;
}

/**
 * Unzips `zip` (whose entries sit under one top folder `top`) into `dir` once; returns `<dir>/<top>`.
 * Unpacks into a scratch folder first, so a half-unpacked tree is never used.
 */
export async function unzipOnce(zip: string, dir: string, top: string): Promise<string> {
  const target = path.join(dir, top);
  if (existsSync(target)) return target;
  // One scratch folder per call: several launchers unpack at once in one process.
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(path.join(dir, ".unpack-"));
  try {
    await run("unzip", ["-q", zip, "-d", scratch]);
    if (!existsSync(target)) renameSync(path.join(scratch, top), target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return target;
}

/** The Java installation to run JVM servers with: `JAVA_HOME`, else the one `java` on the PATH belongs to. */
export function javaHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JAVA_HOME) return env.JAVA_HOME;
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    const java = path.join(dir, "java");
    if (existsSync(java)) return path.dirname(path.dirname(realpathSync(java)));
  }
  throw new Error("No Java found: install Java 17 or set JAVA_HOME.");
}
