import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import {
  createContext,
  createLogger,
  generateNote,
  indexDocument,
  newId,
  nowIso,
  processDocument,
  type AppContext,
  type QueueConsumer,
} from "@academic-assist/core";
import { createApp } from "../src/app.ts";
import { parseServerConfig } from "../src/config.ts";

export const TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789";
export const CORPUS = path.resolve(import.meta.dirname, "../../../shared/corpus");

export interface TestApi {
  url: string;
  app: AppContext;
  dataDir: string;
  /** fetch against the API with an optional bearer token; JSON bodies are serialised. */
  call(
    method: string,
    pathname: string,
    options?: {
      token?: string;
      json?: unknown;
      body?: RequestInit["body"];
      headers?: Record<string, string>;
    },
  ): Promise<Response>;
  /** Registers a user and returns a session token. */
  signUp(email?: string): Promise<{ token: string; userId: string }>;
  /** Starts in-process consumers of the three queues (the real pipeline, extraction in a child process). */
  startWorker(): void;
  close(): Promise<void>;
}

let counter = 0;

/** The real app on a real temp DATA_DIR (SQLite files, blob folder), listening on 127.0.0.1:0. */
export async function startApi(env: Record<string, string> = {}): Promise<TestApi> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "aa-api-"));
  const config = parseServerConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    NODE_ENV: "test",
    ALLOW_REGISTRATION: "true",
    LOCAL_BOOTSTRAP: "false",
    JOB_BACKOFF_MS: "20",
    JOB_LEASE_MS: "5000",
    ...env,
  });
  const logger = createLogger({ name: "test", level: "silent" });
  const app = await createContext(config, logger);
  const { express } = createApp({ app, config, secret: TEST_SECRET });
  const server = express.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const consumers: QueueConsumer[] = [];

  const call: TestApi["call"] = (method, pathname, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body = options.body;
    if (options.json !== undefined) {
      headers["content-type"] ??= "application/json";
      body = JSON.stringify(options.json);
    }
    return fetch(`${url}${pathname}`, {
      method,
      headers,
      body: body ?? null,
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    });
  };

  return {
    url,
    app,
    dataDir,
    call,
    async signUp(email) {
      const res = await call("POST", "/api/v1/auth/register", {
        json: {
          email: email ?? `user${++counter}-${process.pid}@example.org`,
          password: "correct horse battery",
          name: "Test User",
        },
      });
      if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { accessToken: string; user: { id: string } };
      return { token: body.accessToken, userId: body.user.id };
    },
    startWorker() {
      consumers.push(
        app.queue.process("document_processing", (ctx) => processDocument(app, ctx), { leaseMs: 5000 }),
        app.queue.process("indexing", (ctx) => indexDocument(app, ctx), { leaseMs: 5000 }),
        app.queue.process("llm_generation", (ctx) => generateNote(app, ctx), { leaseMs: 5000 }),
      );
    },
    async close() {
      await Promise.all(consumers.map((c) => c.close(5000)));
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A one-page document record in `projectId` as processing leaves it (`ready` by default), stored
 * through the real repositories: for tests that need a document but no PDF processing.
 */
export async function seedDocument(
  app: AppContext,
  options: { projectId: string; createdBy: string; status?: "ready" | "queued" },
): Promise<string> {
  const at = nowIso();
  const id = newId("doc");
  await app.repos.documents.createOrGetBySha({
    id,
    projectId: options.projectId,
    filename: "paper.pdf",
    mediaType: "application/pdf",
    byteSize: 10,
    sha256: createHash("sha256").update(id).digest("hex"),
    blobKey: `documents/${id}/original`,
    status: options.status ?? "ready",
    progress: null,
    error: null,
    pageCount: options.status === "queued" ? null : 1,
    metadata: { title: "A Paper", authors: [], abstract: null, doi: null, year: null, language: "en" },
    createdBy: options.createdBy,
    createdAt: at,
    updatedAt: at,
  });
  return id;
}

/** A ready note (revision 1) of a document, stored through the real repositories. */
export async function seedNote(
  app: AppContext,
  options: { projectId: string; documentId: string; createdBy: string },
): Promise<string> {
  const at = nowIso();
  const note = await app.repos.notes.create({
    id: newId("note"),
    ...options,
    template: "summary",
    language: "en",
    status: "ready",
    title: "A Paper",
    markdown: "# Summary\n",
    contentHash: null,
    generator: null,
    citations: null,
    error: null,
    createdAt: at,
    updatedAt: at,
    cacheKey: null,
  });
  return note.id;
}

/** Polls until `check` returns a value, or fails after `timeoutMs` with the last value seen. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read loosely typed JSON
export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
