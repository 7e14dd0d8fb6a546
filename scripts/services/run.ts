/**
 * `npm run test:services [-- <command…>]`: starts the real servers the production adapters are
 * tested against (Redis, a MongoDB wire-protocol server, Elasticsearch 8, OpenSearch, an S3-API
 * server) on 127.0.0.1 and free ports with their data in a temp folder, runs a command with their
 * `AA_TEST_*` variables set (default: every `*.services.test.ts` with vitest), and stops them.
 *
 * `AA_SERVICES=redis,mongodb` starts only those. A service that fails to start fails the run (its
 * log is printed), unless it is listed in `AA_SERVICES_OPTIONAL`. `--keep` leaves the servers up
 * and prints an env file to source (for working on one adapter); stop them with Ctrl-C.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defaultCacheDir, type ServiceHandle, type ServiceLauncher } from "./common.ts";

const LAUNCHERS: Record<string, () => Promise<ServiceLauncher>> = {
  redis: async () => (await import("./redis.ts")).startRedis,
  mongodb: async () => (await import("./mongodb.ts")).startMongo,
  elasticsearch: async () => (await import("./elasticsearch.ts")).startElasticsearch,
  opensearch: async () => (await import("./opensearch.ts")).startOpenSearch,
  s3: async () => (await import("./s3.ts")).startS3,
};

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

async function main(): Promise<number> {
  const argv = process.argv.slice(2).filter((a) => a !== "--");
  const keep = argv[0] === "--keep";
  const command = keep ? [] : argv.length > 0 ? argv : ["npx", "vitest", "run", ".services.test."];
  const wanted = list(process.env.AA_SERVICES);
  const names = wanted.length > 0 ? wanted : Object.keys(LAUNCHERS);
  const unknown = names.filter((n) => !(n in LAUNCHERS));
  if (unknown.length > 0) {
    console.error(`Unknown service(s): ${unknown.join(", ")}. Known: ${Object.keys(LAUNCHERS).join(", ")}`);
    return 2;
  }
  const optional = new Set(list(process.env.AA_SERVICES_OPTIONAL));
  const root = mkdtempSync(path.join(tmpdir(), "aa-services-"));
  const cacheDir = defaultCacheDir();
  const handles: ServiceHandle[] = [];
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled(handles.map((h) => h.stop()));
    if (!keep || process.exitCode) rmSync(root, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));
  process.once("SIGTERM", () => void stopAll().then(() => process.exit(143)));

  console.log(`services: starting ${names.join(", ")} (data ${root}, cache ${cacheDir})`);
  const failed: string[] = [];
  await Promise.all(
    names.map(async (name) => {
      const started = Date.now();
      const dataDir = path.join(root, name);
      try {
        const launch = await LAUNCHERS[name]!();
        const handle = await launch({
          dataDir,
          cacheDir,
          log: (line) => console.log(`services: ${name}: ${line}`),
        });
        handles.push(handle);
        console.log(`services: ${name} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        failed.push(name);
        console.error(`services: ${name} FAILED to start: ${(error as Error).message}`);
        printLogs(dataDir, name);
      }
    }),
  );
  const required = failed.filter((n) => !optional.has(n));
  if (required.length > 0) {
    console.error(`services: cannot run the service tests without ${required.join(", ")}`);
    await stopAll();
    return 1;
  }
  for (const name of failed)
    console.warn(`services: ${name} is optional and did not start; its tests are skipped`);

  const env: Record<string, string> = {};
  for (const h of handles) Object.assign(env, h.env);
  if (keep) {
    const file = path.join(root, "services.env");
    writeFileSync(
      file,
      Object.entries(env)
        .map(([k, v]) => `export ${k}=${v}`)
        .join("\n") + "\n",
    );
    console.log(`services: up. Run \`source ${file}\`, then your tests. Ctrl-C stops them.`);
    await new Promise(() => undefined);
    return 0;
  }

  const code = await new Promise<number>((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: "inherit", env: { ...process.env, ...env } });
    child.once("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  await stopAll();
  return code;
}

function printLogs(dataDir: string, name: string): void {
  for (const file of [`${name}.log`]) {
    try {
      const text = readFileSync(path.join(dataDir, file), "utf8");
      console.error(text.split("\n").slice(-40).join("\n"));
    } catch {
      // no log written
    }
  }
}

process.exitCode = await main();
