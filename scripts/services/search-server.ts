import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  freePort,
  javaHome,
  run,
  spawnServer,
  waitUntil,
  type ServiceHandle,
  type ServiceOptions,
} from "./common.ts";

/**
 * What differs between the Elasticsearch and OpenSearch test servers; everything else (ports, folders,
 * heap, health wait) is the same and lives in {@link startSearchServer}.
 */
export interface SearchServerKind {
  /** `elasticsearch` or `opensearch`: the log file's and the handle's name. */
  name: string;
  /** The unpacked distribution (`bin/`, `config/`, `lib/`, `modules/`, `plugins/`). */
  home: string;
  /** Variable naming the Java home: `ES_JAVA_HOME` / `OPENSEARCH_JAVA_HOME`. */
  javaHomeVariable: string;
  /** Variable for JVM options: `ES_JAVA_OPTS` / `OPENSEARCH_JAVA_OPTS`. */
  javaOptsVariable: string;
  /** Variable naming the config folder: `ES_PATH_CONF` / `OPENSEARCH_PATH_CONF`. */
  configVariable: string;
  /** Variable naming the temporary folder: `ES_TMPDIR` / `OPENSEARCH_TMPDIR`. */
  tmpVariable: string;
  /** Settings beyond the common ones (e.g. turning security off). */
  settings: Record<string, string>;
  /** The variable the service tests read the URL from, e.g. `AA_TEST_ELASTICSEARCH_URL`. */
  urlVariable: string;
}

/** A heap big enough for the contract suite's 10,000-chunk bulk, small enough for a shared CI box. */
const HEAP = "-Xms512m -Xmx512m";
const READY_TIMEOUT_MS = 240_000;
/** Elasticsearch and OpenSearch refuse to run as root; as root we run them as `nobody`. */
const NOBODY = 65_534;
const AS_NOBODY = ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", "--"];

/** True when user `nobody` can read the file (e.g. not when it sits under root's 0700 home). */
async function nobodyCanRead(file: string): Promise<boolean> {
  try {
    await run("setpriv", [...AS_NOBODY, "test", "-r", file]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the server's data, logs, config and temporary files go. Normally `dataDir`. As root the
 * server runs as `nobody`, who may not be able to reach `dataDir` (mkdtemp makes 0700 folders), so a
 * world-traversable folder of its own is made in the system temp dir, owned by `nobody`, with a copy
 * of the distribution if `nobody` cannot read the cached one; it is removed on stop.
 */
async function prepareRunDir(
  kind: SearchServerKind,
  options: ServiceOptions,
): Promise<{ runDir: string; home: string; asRoot: boolean }> {
  if (process.getuid?.() !== 0) return { runDir: options.dataDir, home: kind.home, asRoot: false };
  const runDir = mkdtempSync(path.join(os.tmpdir(), `aa-${kind.name}-`));
  chmodSync(runDir, 0o755);
  let home = kind.home;
  if (!(await nobodyCanRead(path.join(kind.home, "bin", kind.name)))) {
    home = path.join(runDir, "home");
    cpSync(kind.home, home, { recursive: true });
  }
  options.log(`${kind.name} refuses to run as root: running it as nobody in ${runDir}`);
  return { runDir, home, asRoot: true };
}

/**
 * Starts a single-node Elasticsearch or OpenSearch on 127.0.0.1 with free HTTP and transport ports,
 * its config copied to, and its data and logs kept under, `options.dataDir`; disk watermarks off
 * (a nearly full CI disk must not turn the cluster red), and resolves once the cluster is yellow or green.
 */
export async function startSearchServer(
  kind: SearchServerKind,
  options: ServiceOptions,
): Promise<ServiceHandle> {
  const [httpPort, transportPort] = [await freePort(), await freePort()];
  mkdirSync(options.dataDir, { recursive: true });
  const { runDir, home, asRoot } = await prepareRunDir(kind, options);
  const config = path.join(runDir, "config");
  const tmp = path.join(runDir, "tmp");
  if (!existsSync(config)) cpSync(path.join(home, "config"), config, { recursive: true });
  // jvm.options writes GC logs and heap dumps relative to the distribution, which may be read-only.
  const jvmOptions = path.join(config, "jvm.options");
  writeFileSync(
    jvmOptions,
    readFileSync(jvmOptions, "utf8")
      .replace(/([=:])logs\//g, `$1${path.join(runDir, "logs")}/`)
      .replace(/HeapDumpPath=data\b/g, `HeapDumpPath=${path.join(runDir, "data")}`),
  );
  for (const dir of [tmp, path.join(runDir, "data"), path.join(runDir, "logs")])
    mkdirSync(dir, { recursive: true });
  if (asRoot)
    await run("chown", [
      "-R",
      `${NOBODY}:${NOBODY}`,
      config,
      tmp,
      path.join(runDir, "data"),
      path.join(runDir, "logs"),
    ]);
  if (asRoot) chownSync(runDir, NOBODY, NOBODY);
  const settings: Record<string, string> = {
    "cluster.name": `aa-test-${kind.name}`,
    "node.name": "node-1",
    "discovery.type": "single-node",
    "network.host": "127.0.0.1",
    "http.port": String(httpPort),
    "transport.port": String(transportPort),
    "path.data": path.join(runDir, "data"),
    "path.logs": path.join(runDir, "logs"),
    "cluster.routing.allocation.disk.threshold_enabled": "false",
    "action.auto_create_index": "false",
    ...kind.settings,
  };
  const started = Date.now();
  options.log(`starting ${kind.name} on 127.0.0.1:${httpPort}…`);
  const command = path.join(home, "bin", kind.name);
  const args = Object.entries(settings).map(([k, v]) => `-E${k}=${v}`);
  const server = spawnServer(
    kind.name,
    asRoot ? "setpriv" : command,
    asRoot ? [...AS_NOBODY, command, ...args] : args,
    {
      dataDir: options.dataDir,
      cwd: runDir,
      env: {
        ...process.env,
        ...(asRoot ? { HOME: runDir } : {}),
        [kind.javaHomeVariable]: javaHome(),
        [kind.javaOptsVariable]: HEAP,
        [kind.configVariable]: config,
        [kind.tmpVariable]: tmp,
      },
    },
  );
  const stop = async (): Promise<void> => {
    await server.stop();
    if (asRoot) rmSync(runDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${httpPort}`;
  const exited = (): boolean => server.child.exitCode !== null || server.child.signalCode !== null;
  try {
    // The check also ends the wait when the server dies, so a bad start fails at once with its log.
    await waitUntil(
      kind.name,
      async () => {
        if (exited()) return true;
        const response = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`);
        if (!response.ok) return false;
        const health = (await response.json()) as { status?: string };
        return health.status === "green" || health.status === "yellow";
      },
      READY_TIMEOUT_MS,
    );
    if (exited())
      throw new Error(`${kind.name} exited with ${String(server.child.exitCode ?? server.child.signalCode)}`);
  } catch (error) {
    await stop();
    const tail = existsSync(server.logFile) ? readFileSync(server.logFile, "utf8").slice(-3000) : "";
    throw new Error(`${String(error)}\n--- ${server.logFile} (tail) ---\n${tail}`, { cause: error });
  }
  options.log(`${kind.name} ready at ${url} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { name: kind.name, env: { [kind.urlVariable]: url }, stop };
}
