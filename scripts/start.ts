/**
 * `npm start`: local mode. Runs the server and the worker as two processes sharing DATA_DIR
 * (default ./data), prefixes their output, and stops both when either exits or on Ctrl-C.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const roles = [
  { name: "server", entry: path.join(root, "server/src/main.ts") },
  { name: "worker", entry: path.join(root, "worker/src/main.ts") },
];

const children: ChildProcess[] = [];
let exiting = false;

function stopAll(code: number) {
  if (exiting) return;
  exiting = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  setTimeout(() => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    process.exit(code);
  }, 35_000).unref();
  void Promise.all(
    children.map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise((r) => c.once("exit", r)))),
  ).then(() => process.exit(code));
}

for (const role of roles) {
  const child = spawn(process.execPath, ["--import", "tsx", role.entry], {
    cwd: process.cwd(),
    env: process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  // The server's banner (URL and token) goes through untouched; log lines get the role prefix.
  createInterface({ input: child.stdout }).on("line", (line) => {
    process.stdout.write(line.startsWith("{") ? `[${role.name}] ${line}\n` : `${line}\n`);
  });
  createInterface({ input: child.stderr }).on("line", (line) =>
    process.stderr.write(`[${role.name}] ${line}\n`),
  );
  child.on("exit", (code, signal) => {
    if (!exiting) {
      process.stderr.write(`[${role.name}] exited (${signal ?? code}); stopping\n`);
      stopAll(code ?? 1);
    }
  });
}

process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));
