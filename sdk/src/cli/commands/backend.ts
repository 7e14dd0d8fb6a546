/// <reference types="node" />
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { CliIO } from "../io.ts";

/**
 * The backend module that implements `backup`, `restore`, `reindex` and `requeue`. The SDK never
 * depends on it (plugins bundle the SDK, and the module needs the backend's native SQLite driver):
 * it is looked up at run time, only for these commands, and only where the backend is installed.
 */
export const BACKEND_MODULE = "@academic-assist/core/backup";

/** What the backend module exports for the CLI. */
export interface BackendModule {
  runBackendCommand(argv: string[], io: CliIO): Promise<number>;
}

function isBackendModule(m: unknown): m is BackendModule {
  return (
    typeof m === "object" &&
    m !== null &&
    "runBackendCommand" in m &&
    typeof m.runBackendCommand === "function"
  );
}

const notFound = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || code === "ERR_PACKAGE_PATH_NOT_EXPORTED"
  );
};

/**
 * Loads the backend module: resolved from this CLI's own install (the repository's workspace), then
 * from the current folder (a CLI installed elsewhere, run inside the backend's folder). Null when
 * neither has the backend.
 */
export async function loadBackend(cwd: string, specifier = BACKEND_MODULE): Promise<BackendModule | null> {
  const attempts: (() => Promise<unknown>)[] = [
    () => import(/* @vite-ignore */ specifier),
    () =>
      import(
        /* @vite-ignore */ pathToFileURL(createRequire(path.join(cwd, "package.json")).resolve(specifier))
          .href
      ),
  ];
  for (const attempt of attempts) {
    let loaded: unknown;
    try {
      loaded = await attempt();
    } catch (err) {
      if (notFound(err)) continue;
      throw err;
    }
    if (isBackendModule(loaded)) return loaded;
  }
  return null;
}

/**
 * `academic-assist backup|restore|reindex|requeue …`: hands the arguments to the backend module, or
 * explains where these commands work when this CLI runs without the backend.
 */
export async function backendCommand(argv: string[], io: CliIO, specifier = BACKEND_MODULE): Promise<number> {
  const backend = await loadBackend(io.cwd, specifier);
  if (!backend) {
    io.stderr.write(
      [
        `Error: \`academic-assist ${argv[0] ?? ""}\` works on a local backend's data, and no backend is installed here.`,
        "  Run it in the academic-assist folder where `npm start` runs (e.g. `npx academic-assist backup /backups/aa`).",
        "  Servers on MongoDB, S3, OpenSearch and Redis are backed up by those services: see docs/runbooks/disaster-recovery.md.",
        "",
      ].join("\n"),
    );
    return 1;
  }
  return backend.runBackendCommand(argv, io);
}
