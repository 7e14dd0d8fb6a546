import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { freePort, run, spawnServer, tcpOpen, waitUntil, type ServiceLauncher } from "./common.ts";

/**
 * A MongoDB wire-protocol server for the MongoDB adapter's service tests: FerretDB v1 on its SQLite
 * backend (there are no MongoDB server binaries for this machine).
 *
 * FerretDB is built from the Go module proxy once and cached under `<cacheDir>/ferretdb-v1.24.2/`.
 * A plain `go install …/cmd/ferretdb@v1.24.2` panics at start ("Invalid build/version/version.txt")
 * because the module zip lacks the generated version file, so the module source is copied to a
 * writable folder, `version.txt` written, and the binary built there.
 */
export const FERRETDB_VERSION = "v1.24.2";
const MODULE = "github.com/FerretDB/FerretDB";

/** Path of the cached FerretDB binary, building it first when absent. */
export async function ferretdbBinary(cacheDir: string, log: (line: string) => void): Promise<string> {
  const home = path.join(cacheDir, `ferretdb-${FERRETDB_VERSION}`);
  const binary = path.join(home, "ferretdb");
  if (existsSync(binary)) return binary;

  log(`building FerretDB ${FERRETDB_VERSION} from the Go module proxy (once; cached in ${home})…`);
  mkdirSync(home, { recursive: true });
  const info = JSON.parse(await run("go", ["mod", "download", "-json", `${MODULE}@${FERRETDB_VERSION}`])) as {
    Dir?: string;
    Error?: string;
  };
  if (!info.Dir)
    throw new Error(`go mod download ${MODULE}@${FERRETDB_VERSION} failed: ${info.Error ?? "no Dir"}`);

  // The module cache is read-only: build from a writable copy.
  const src = path.join(home, "src");
  rmSync(src, { recursive: true, force: true });
  cpSync(info.Dir, src, { recursive: true });
  chmodTree(src);
  writeFileSync(path.join(src, "build", "version", "version.txt"), `${FERRETDB_VERSION}\n`);

  const partial = `${binary}.partial`;
  // GOTOOLCHAIN=local: build with the installed Go rather than downloading the go.mod toolchain.
  await run("go", ["build", "-trimpath", "-o", partial, "./cmd/ferretdb"], {
    cwd: src,
    env: { ...process.env, GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false" },
  });
  renameSync(partial, binary);
  rmSync(src, { recursive: true, force: true });
  log(`FerretDB built: ${binary}`);
  return binary;
}

/** Makes every folder and file of a copied read-only tree writable by its owner. */
function chmodTree(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chmodTree(full);
    else chmodSync(full, 0o644);
  }
}

/**
 * Starts FerretDB on 127.0.0.1 with its SQLite backend under `dataDir`; reports
 * `AA_TEST_MONGODB_URL=mongodb://127.0.0.1:<port>/`.
 */
export const startMongo: ServiceLauncher = async ({ dataDir, cacheDir, log }) => {
  const binary = await ferretdbBinary(cacheDir, log);
  const port = await freePort();
  const data = path.join(dataDir, "ferretdb");
  mkdirSync(data, { recursive: true });
  const server = spawnServer(
    "ferretdb",
    binary,
    [
      "--handler=sqlite",
      `--sqlite-url=file:${data}/`,
      `--listen-addr=127.0.0.1:${port}`,
      "--telemetry=disable",
      // The debug HTTP listener defaults to 127.0.0.1:8088, which would clash between instances.
      "--debug-addr=-",
      "--log-level=warn",
      `--state-dir=${data}`,
    ],
    { dataDir },
  );
  try {
    await waitUntil("FerretDB", () => tcpOpen(port), 30_000);
  } catch (error) {
    await server.stop();
    throw new Error(`FerretDB did not start; see ${server.logFile}`, { cause: error });
  }
  log(`FerretDB ${FERRETDB_VERSION} (SQLite backend) on 127.0.0.1:${port}`);
  return {
    name: "mongodb",
    env: { AA_TEST_MONGODB_URL: `mongodb://127.0.0.1:${port}/` },
    stop: server.stop,
  };
};
