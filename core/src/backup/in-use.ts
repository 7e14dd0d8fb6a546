import { readdir, readFile, readlink, realpath } from "node:fs/promises";
import path from "node:path";
import { localPaths } from "../wiring.ts";

/** Why a DATA_DIR is in use, for the message; null when nothing seems to use it. */
export type InUse = { by: "server"; pid: number; url: string } | { by: "process"; pid: number };

/** `child` is `parent` or lies below it (both absolute; symlinks resolved where they exist). */
export async function isInside(child: string, parent: string): Promise<boolean> {
  const [c, p] = await Promise.all([realish(child), realish(parent)]);
  const rel = path.relative(p, c);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest. */
export async function realish(p: string): Promise<string> {
  const abs = path.resolve(p);
  try {
    return await realpath(abs);
  } catch {
    const parent = path.dirname(abs);
    if (parent === abs) return abs;
    return path.join(await realish(parent), path.basename(abs));
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function serverAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(1500) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Is a local server or worker using `dataDir`? Two checks: the server's discovery file names a pid
 * that is alive and a URL that answers `/healthz`; and (Linux) no other process holds one of the
 * SQLite files open — which catches the worker, which writes no pid file, and a `sqlite3` shell.
 */
export async function findUser(dataDir: string): Promise<InUse | null> {
  const files = localPaths(dataDir);
  try {
    const d = JSON.parse(await readFile(files.discovery, "utf8")) as { pid?: unknown; url?: unknown };
    if (typeof d.pid === "number" && typeof d.url === "string" && d.pid !== process.pid) {
      if (pidAlive(d.pid) && (await serverAnswers(d.url))) return { by: "server", pid: d.pid, url: d.url };
    }
  } catch {
    // No discovery file: no server has started here, or it was wiped.
  }
  const watched = new Set<string>();
  for (const f of [files.metadata, files.queue, files.events, files.search]) {
    watched.add(await realish(f));
  }
  let pids: string[];
  try {
    pids = (await readdir("/proc")).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return null; // not Linux: the discovery check is all we have
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or another user's process
    }
    for (const fd of fds) {
      try {
        if (watched.has(await readlink(`/proc/${pid}/fd/${fd}`))) return { by: "process", pid: Number(pid) };
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}
