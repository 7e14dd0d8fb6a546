/**
 * DATA_DIR as the real processes leave it: the server and the worker (`npm start`'s two processes)
 * on a temp DATA_DIR, a real upload processed to `ready`, then a server killed mid-upload and
 * started again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entriesUnder, requestHead, sendAndHangUp } from "../../server/test/raw-http.ts";
import {
  corpusDir,
  repoRoot,
  startLocalBackend,
  waitFor,
  type LocalBackend,
} from "../testing/local-backend.ts";

const GADR = readFileSync(path.join(corpusDir, "papers/gadr.pdf"));

/** Paths under `root` (itself as ".") whose mode is not 0600 for a file or 0700 for a folder. */
function notPrivate(root: string): string[] {
  const all = [root, ...readdirSync(root, { recursive: true }).map((p) => path.join(root, String(p)))];
  const out: string[] = [];
  for (const full of all) {
    let info;
    try {
      info = statSync(full);
    } catch {
      continue; // removed meanwhile (a -shm at close)
    }
    const mode = info.mode & 0o777;
    if (mode !== (info.isDirectory() ? 0o700 : 0o600)) {
      out.push(`${path.relative(root, full) || "."} ${mode.toString(8)}`);
    }
  }
  return out;
}

describe("DATA_DIR after real server and worker processes", () => {
  let backend: LocalBackend;
  const restarted: ChildProcess[] = [];

  beforeAll(async () => {
    backend = await startLocalBackend();
  }, 90_000);
  afterAll(async () => {
    for (const child of restarted) child.kill("SIGKILL");
    await backend.stop();
  });

  it("when a PDF has been uploaded, processed and is ready, then every file under DATA_DIR is 0600 and every folder 0700", async () => {
    const res = await fetch(
      `${backend.url}/api/v1/projects/${backend.projectId}/documents?filename=gadr.pdf`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${backend.token}`, "content-type": "application/pdf" },
        body: GADR,
      },
    );
    const { document } = (await res.json()) as { document: { id: string } };
    await waitFor(
      async () => {
        const doc = (await (
          await fetch(`${backend.url}/api/v1/documents/${document.id}`, {
            headers: { authorization: `Bearer ${backend.token}` },
          })
        ).json()) as { status: string };
        if (doc.status === "failed") throw new Error("processing failed");
        return doc.status === "ready";
      },
      60_000,
      "the document to be ready",
    );

    const names = readdirSync(backend.dataDir);

    expect(res.status).toBe(202);
    expect(names).toEqual(
      expect.arrayContaining([
        "academic-assist.db",
        "queue.db",
        "search.db",
        "blobs",
        "secret.key",
        "local-server.json",
      ]),
    );
    expect(notPrivate(backend.dataDir)).toEqual([]);
  }, 90_000);

  it("when the server is killed mid-upload and started again, then the partial temp file is gone", async () => {
    const temp = path.join(backend.dataDir, "blobs", ".tmp");
    await sendAndHangUp(
      backend.url,
      [
        requestHead(`/api/v1/projects/${backend.projectId}/documents?filename=killed.pdf`, {
          authorization: `Bearer ${backend.token}`,
          "content-type": "application/pdf",
          "content-length": GADR.length,
        }),
        GADR.subarray(0, 300_000),
      ],
      async () => {
        if (entriesUnder(temp).length === 0) return false;
        // The server is writing the upload: kill it before it can clean up.
        const exited = new Promise((r) => backend.server.once("exit", r));
        backend.server.kill("SIGKILL");
        await exited;
        return true;
      },
      30_000,
    );
    const leftBehind = entriesUnder(temp);

    const server = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "server/src/main.ts")], {
      cwd: repoRoot,
      env: { ...process.env, ...backend.env, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    restarted.push(server);
    const output: string[] = [];
    server.stdout.on("data", (d: Buffer) => output.push(d.toString()));
    await waitFor(async () => (await fetch(`${backend.url}/readyz`)).ok, 60_000, "the restarted server");

    expect(leftBehind).toHaveLength(1);
    expect(leftBehind[0]).toMatch(/^\.[0-9a-f]{8}-\d+-[0-9a-f]{16}\.tmp$/);
    expect(entriesUnder(temp)).toEqual([]);
    expect(output.join("")).toContain('"tempFiles":1');
    expect(output.join("")).toContain("removed unfinished uploads");
    const docs = (await (
      await fetch(`${backend.url}/api/v1/projects/${backend.projectId}/documents`, {
        headers: { authorization: `Bearer ${backend.token}` },
      })
    ).json()) as { items: { filename: string }[] };
    expect(docs.items.map((d) => d.filename)).not.toContain("killed.pdf");
  }, 90_000);
});
