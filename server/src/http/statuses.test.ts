/**
 * The contract's error statuses against the real server, both ways. Every registered route gets
 * the request that provokes each status the contract derives from its shape (`errorStatuses`):
 * it must answer exactly that, as problem+json. Every status an endpoint lists itself (`errors`)
 * needs a proof below — a request that gets it, or (where arranging it here would cost a minute)
 * the test that does — so nothing the contract lists is noise, and a new endpoint's author adds one.
 * 500 is the only status without a proof: it is what an unexpected failure becomes.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { newId, nowIso } from "@academic-assist/core";
import { startFakeOpenAiServer, type FakeLlmServer, type FakeReply } from "@academic-assist/core/testing";
import {
  derivedErrorStatuses,
  endpointList,
  errorStatuses,
  NOTE_MARKDOWN_MAX_CHARS,
  PROBLEM_CONTENT_TYPE,
  type Endpoint,
  type EndpointId,
} from "@academic-assist/sdk/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, seedDocument, seedNote, startApi, TEST_SECRET, type TestApi } from "../../test/harness.ts";
import { expressRoutes } from "../../test/routes.ts";
import { createApp } from "../app.ts";
import { parseServerConfig } from "../config.ts";
import { JSON_BODY_LIMIT_BYTES } from "./endpoint.ts";
import { CLAIM_STALE_MS, idempotencyScope } from "./idempotency.ts";

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

interface Fixtures {
  owner: { token: string; userId: string; email: string };
  viewer: { token: string; userId: string; email: string };
  /** The ids path parameters take (the owner's objects; `userId` is the viewer, a member). */
  ids: Record<string, string>;
  /** A document still queued: no text, no notes yet. */
  queuedDocumentId: string;
  /** A second custom template of the project. */
  otherTemplateId: string;
  /** A project whose notes and answers are written by the fake LLM server. */
  llmProjectId: string;
}

interface Send {
  token?: string | undefined;
  ids?: Record<string, string>;
  query?: string;
  /** A JSON body (serialised), or raw bytes with `contentType`. */
  body?: unknown;
  raw?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A request each body endpoint accepts (given the fixtures): every body-taking endpoint needs one. */
const VALID_BODY: Partial<Record<EndpointId, (f: Fixtures) => unknown>> = {
  "auth.register": () => ({
    email: `new-${randomUUID()}@example.org`,
    password: "correct horse battery",
    name: "N",
  }),
  "auth.login": (f) => ({ email: f.owner.email, password: "correct horse battery" }),
  "tokens.create": () => ({ name: "CLI" }),
  "projects.create": () => ({ name: "Another" }),
  "projects.update": () => ({ description: "Renamed" }),
  "members.add": () => ({ email: "nobody-yet@example.org", role: "viewer" }),
  "members.update": () => ({ role: "viewer" }),
  "templates.create": () => ({ name: `T ${randomUUID()}`, skeleton: "{{section:Summary}}" }),
  "templates.preview": () => ({ skeleton: "{{section:Summary}}" }),
  "templates.update": () => ({ description: "Changed" }),
  "notes.create": () => ({}),
  "notes.estimate": () => ({}),
  "notes.estimateBatch": (f) => ({ documentIds: [f.ids.documentId] }),
  "notes.update": () => ({ markdown: "# Edited\n" }),
  "projects.ask": () => ({ question: "What do attention heads do?" }),
};

/** A query the contract refuses, for the endpoints whose only input is their query. */
const BAD_QUERY: Partial<Record<EndpointId, string>> = {
  "projects.list": "limit=0",
  "search.query": "q=",
  "usage.get": "month=2025-13",
  "events.stream": "wait=31",
};

/** Where a status cannot be arranged here cheaply: the test that proves it, by file and name. */
interface Reference {
  file: string;
  test: string;
}

let api: TestApi;
let f: Fixtures;
let llm: FakeLlmServer;
let llmReply: FakeReply = { kind: "error", status: 500 };

async function send(e: Endpoint, options: Send = {}): Promise<Response> {
  const ids = { ...f.ids, ...options.ids };
  const pathname = e.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(ids[name] ?? "x"));
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: Buffer | string | undefined = options.raw;
  if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  return fetch(`${api.url}/api/v1${pathname}${options.query ? `?${options.query}` : ""}`, {
    method: e.method.toUpperCase(),
    headers,
    body: body ?? null,
  });
}

/** The owner's valid request to `e` (fixture ids, a valid body), with `over` applied. */
function valid(e: Endpoint, over: Send = {}): Promise<Response> {
  const body = e.body ? VALID_BODY[e.id as EndpointId]?.(f) : undefined;
  const raw = e.rawBody ? PDF : undefined;
  return send(e, {
    token: e.auth ? f.owner.token : undefined,
    ...(body !== undefined ? { body } : {}),
    ...(raw ? { raw, contentType: "application/pdf", query: "filename=paper.pdf" } : {}),
    ...over,
  });
}

const endpoint = (id: EndpointId): Endpoint => endpointList.find((e) => e.id === id)!;

/** Whether `"<id> <status>"` is a 403 of a project role check (proved by a viewer's request). */
const byRole = (key: string): boolean => {
  const [id, status] = key.split(" ");
  const e = endpointList.find((x) => x.id === id);
  return status === "403" && e?.auth === true && e.errors?.includes(403) === true && !(key in PROOFS);
};

/** The status and problem code of an answer (problem+json required for errors). */
async function outcome(res: Response): Promise<{ status: number; problem: boolean }> {
  const type = res.headers.get("content-type") ?? "";
  await res.arrayBuffer();
  return { status: res.status, problem: res.status < 400 || type.startsWith(PROBLEM_CONTENT_TYPE) };
}

/** Runs `probe` on every endpoint whose derived statuses include `status`; the mismatches. */
async function expectDerived(
  status: number,
  probe: (e: Endpoint) => Promise<Response>,
): Promise<{ endpoint: string; status: number; problem: boolean }[]> {
  const targets = endpointList.filter((e) => derivedErrorStatuses(e).includes(status));
  expect(targets.length).toBeGreaterThan(0);
  const wrong = [];
  for (const e of targets) {
    const got = await outcome(await probe(e));
    if (got.status !== status || !got.problem) wrong.push({ endpoint: e.id, ...got });
  }
  return wrong;
}

const PROOFS: Record<string, ((e: Endpoint) => Promise<Response>) | Reference> = {
  "auth.register 403": async (e) => {
    const closed = createApp({
      app: api.app,
      config: parseServerConfig({
        DATA_DIR: api.dataDir,
        CORS_ORIGINS: "",
        LOCAL_BOOTSTRAP: "false",
        ALLOW_REGISTRATION: "false",
      }),
      secret: TEST_SECRET,
    }).express.listen(0, "127.0.0.1");
    await new Promise((resolve) => closed.once("listening", resolve));
    try {
      return await fetch(`http://127.0.0.1:${(closed.address() as AddressInfo).port}/api/v1${e.path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(VALID_BODY["auth.register"]!(f)),
      });
    } finally {
      closed.closeAllConnections();
      closed.close();
    }
  },
  "auth.register 409": (e) =>
    valid(e, {
      body: { email: f.owner.email.toUpperCase(), password: "correct horse battery", name: "Again" },
    }),
  "auth.login 401": (e) => valid(e, { body: { email: f.owner.email, password: "wrong password" } }),
  "auth.login 429": {
    file: "server/src/modules/auth/auth.routes.test.ts",
    test: "when a login is attempted too often, then 429 with Retry-After",
  },
  "members.add 409": (e) => valid(e, { body: { email: f.viewer.email, role: "editor" } }),
  "members.update 409": (e) => valid(e, { ids: { userId: f.owner.userId }, body: { role: "editor" } }),
  "members.remove 409": (e) => valid(e, { ids: { userId: f.owner.userId } }),
  "documents.upload 422": {
    file: "server/src/ocr-intake.test.ts",
    test: "when a PDF declares 5,000 pages, then the upload is refused at intake and nothing is stored or queued",
  },
  "documents.pages 409": (e) => valid(e, { ids: { documentId: f.queuedDocumentId } }),
  "search.query 404": (e) => valid(e, { query: "q=attention&projectId=prj_missing0000" }),
  "templates.create 409": (e) => valid(e, { body: { name: "Fixture", skeleton: "{{section:S}}" } }),
  "templates.update 409": (e) =>
    valid(e, { ids: { templateId: f.otherTemplateId }, body: { name: "fixture" } }),
  "notes.create 402": {
    file: "server/src/modules/notes/cost.test.ts",
    test: "when the month's spending plus the estimate exceeds the budget, then notes.create answers 402",
  },
  "notes.create 409": (e) => valid(e, { ids: { documentId: f.queuedDocumentId } }),
  "notes.estimate 409": (e) => valid(e, { ids: { documentId: f.queuedDocumentId } }),
  "notes.estimateBatch 409": (e) => valid(e, { body: { documentIds: [f.queuedDocumentId] } }),
  "usage.get 404": (e) => valid(e, { query: "projectId=prj_missing0000" }),
  "notes.update 409": (e) => valid(e, { headers: { "if-match": '"99"' } }),
  "notes.update 428": (e) => valid(e),
  "projects.ask 422": (e) => {
    llmReply = { kind: "error", status: 400, message: "This request was declined by the content filter." };
    return valid(e, { ids: { projectId: f.llmProjectId } });
  },
  "projects.ask 502": (e) => {
    llmReply = { kind: "error", status: 401 };
    return valid(e, { ids: { projectId: f.llmProjectId } });
  },
  "events.stream 404": (e) => valid(e, { query: "projectId=prj_missing0000" }),
};

describe("error statuses: the contract against the server", () => {
  beforeAll(async () => {
    llm = await startFakeOpenAiServer({ script: () => llmReply });
    api = await startApi({
      MAX_UPLOAD_MB: "1",
      OPENAI_API_KEY: "sk-openai-test",
      OPENAI_BASE_URL: `${llm.url}/v1`,
    });
    const owner = { ...(await api.signUp("owner@example.org")), email: "owner@example.org" };
    const viewer = { ...(await api.signUp("viewer@example.org")), email: "viewer@example.org" };
    const call = async (method: string, p: string, body: unknown) =>
      json(await api.call(method, `/api/v1${p}`, { token: owner.token, json: body }));
    const project = await call("POST", "/projects", { name: "Statuses" });
    await call("POST", `/projects/${project.id}/members`, { email: viewer.email, role: "viewer" });
    const template = await call("POST", `/projects/${project.id}/templates`, {
      name: "Fixture",
      skeleton: "{{section:Summary}}",
    });
    const other = await call("POST", `/projects/${project.id}/templates`, {
      name: "Other",
      skeleton: "{{section:Summary}}",
    });
    const token = await call("POST", "/auth/tokens", { name: "Fixture" });
    const documentId = await seedDocument(api.app, { projectId: project.id, createdBy: owner.userId });
    const queuedDocumentId = await seedDocument(api.app, {
      projectId: project.id,
      createdBy: owner.userId,
      status: "queued",
    });
    const noteId = await seedNote(api.app, { projectId: project.id, documentId, createdBy: owner.userId });
    const job = await api.app.queue.enqueue(
      "document_processing",
      { documentId: queuedDocumentId },
      { idempotencyKey: `statuses:${queuedDocumentId}`, projectId: project.id, documentId: queuedDocumentId },
    );
    // A project answered by the fake LLM server, with one indexed passage for ask to retrieve.
    const llmProject = await call("POST", "/projects", {
      name: "Asked",
      llm: { provider: "openai-compatible", model: "gpt-test" },
    });
    const llmDocumentId = await seedDocument(api.app, { projectId: llmProject.id, createdBy: owner.userId });
    const chunk = {
      id: newId("chk"),
      documentId: llmDocumentId,
      projectId: llmProject.id,
      ordinal: 0,
      text: "Attention heads attend to different positions of the input sequence.",
      pageStart: 1,
      pageEnd: 1,
      section: null,
      tokenCount: 12,
    };
    await api.app.repos.chunks.replaceAll(llmDocumentId, [chunk]);
    await api.app.search.indexChunks([{ ...chunk, chunkId: chunk.id }], { waitUntilSearchable: true });
    f = {
      owner,
      viewer,
      ids: {
        projectId: project.id,
        documentId,
        noteId: noteId,
        templateId: template.id,
        jobId: job.id,
        userId: viewer.userId,
        tokenId: token.id,
      },
      queuedDocumentId,
      otherTemplateId: other.id,
      llmProjectId: llmProject.id,
    };
  });
  afterAll(async () => {
    await api.close();
    await llm.close();
  });

  it("when the server's routes are listed, then each is one contract endpoint and each endpoint has its route", () => {
    const { express } = createApp({
      app: api.app,
      config: parseServerConfig({ DATA_DIR: api.dataDir, CORS_ORIGINS: "", LOCAL_BOOTSTRAP: "false" }),
      secret: TEST_SECRET,
    });
    const routes = expressRoutes(express).filter(
      (r) => r.includes(" /api/v1/") && !r.endsWith("/openapi.json"),
    );
    const contract = endpointList.map((e) => `${e.method.toUpperCase()} /api/v1${e.path}`);

    expect([...routes].sort()).toEqual([...contract].sort());
  });

  it("when every body endpoint has a valid example and every query-only endpoint a refused query, then the probes below reach each route", () => {
    const missingBody = endpointList
      .filter((e) => e.body && !VALID_BODY[e.id as EndpointId])
      .map((e) => e.id);
    const missingQuery = endpointList
      .filter((e) => derivedErrorStatuses(e).includes(400) && !e.params && !e.body && !e.rawBody)
      .filter((e) => !BAD_QUERY[e.id as EndpointId])
      .map((e) => e.id);

    expect(missingBody).toEqual([]);
    expect(missingQuery).toEqual([]);
  });

  it("when a request carries no credentials, then every authenticated route answers 401", async () => {
    expect(await expectDerived(401, (e) => valid(e, { token: undefined }))).toEqual([]);
  });

  it("when a path names objects that do not exist, then every route with path ids answers 404", async () => {
    const missing = (e: Endpoint) =>
      Object.fromEntries(
        [...e.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, `${name!}_missing0000`]),
      );

    expect(await expectDerived(404, (e) => valid(e, { ids: missing(e) }))).toEqual([]);
  });

  it("when an input breaks the contract (a bad id, malformed JSON, a refused query), then every route that takes input answers 400", async () => {
    const probe = (e: Endpoint) => {
      const params = [...e.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name!);
      if (params.length > 0) return valid(e, { ids: { [params[0]!]: "not an id!" } });
      if (e.body) return valid(e, { raw: '{"name": ', contentType: "application/json" });
      return valid(e, { query: BAD_QUERY[e.id as EndpointId] ?? "" });
    };

    expect(await expectDerived(400, probe)).toEqual([]);
  });

  it("when a body is of a type the endpoint does not take, then every route with a body answers 415", async () => {
    const probe = (e: Endpoint) =>
      e.rawBody
        ? valid(e, { raw: "plain words, not a PDF or an image", contentType: "application/pdf" })
        : valid(e, { raw: "name=x", contentType: "application/x-www-form-urlencoded" });

    expect(await expectDerived(415, probe)).toEqual([]);
  });

  it("when a body is over the limit (JSON_BODY_LIMIT_BYTES of JSON, MAX_UPLOAD_MB of file), then every route with a body answers 413", async () => {
    const big = (e: Endpoint) =>
      e.rawBody
        ? valid(e, { raw: Buffer.alloc(1024 * 1024 + 10, 0x20) })
        : valid(e, { raw: JSON.stringify({ name: "x".repeat(JSON_BODY_LIMIT_BYTES) }) });

    expect(await expectDerived(413, big)).toEqual([]);
  });

  it("when a note edit is as long as the contract allows, written as \\u escapes, then it is not refused for its size; one character more is a 400 naming the field", async () => {
    const e = endpoint("notes.update");
    const escaped = (chars: number) => `{"markdown":"${"\\u00cf".repeat(chars)}"}`;

    const longest = await outcome(
      await valid(e, { raw: escaped(NOTE_MARKDOWN_MAX_CHARS), headers: { "if-match": '"99"' } }),
    );
    const over = await valid(e, {
      raw: escaped(NOTE_MARKDOWN_MAX_CHARS + 1),
      headers: { "if-match": '"1"' },
    });

    expect(longest).toEqual({ status: 409, problem: true });
    expect(over.status).toBe(400);
    expect((await json(over)).errors[0].path).toBe("body.markdown");
  });

  it("when an Idempotency-Key's first request is still running, then every keyed route answers 409 with Retry-After", async () => {
    const inFlight = async (e: Endpoint) => {
      const key = randomUUID();
      const staleBefore = new Date(Date.now() - CLAIM_STALE_MS).toISOString();
      await api.app.repos.idempotency.claim(
        f.owner.userId,
        idempotencyScope(e.id, key),
        "x",
        nowIso(),
        staleBefore,
      );
      const res = await valid(e, { headers: { "idempotency-key": key } });
      expect(res.headers.get("retry-after"), e.id).toBe("1");
      return res;
    };

    expect(await expectDerived(409, inFlight)).toEqual([]);
  });

  it("when a status is listed by an endpoint itself, then it has a proof, and every proof is of a listed status", () => {
    const listed = endpointList.flatMap((e) => (e.errors ?? []).map((s) => `${e.id} ${s}`));

    expect(
      listed.filter((k) => !byRole(k)).sort(),
      "a status listed in `errors` needs a proof in PROOFS (403 of a role check: the viewer probe)",
    ).toEqual(Object.keys(PROOFS).sort());
  });

  it("when a viewer calls an endpoint whose 403 is a role check, then it answers 403 and changes nothing", async () => {
    const wrong = [];
    for (const e of endpointList.filter((x) => byRole(`${x.id} 403`))) {
      // The owner as the target member: a viewer may remove themself, never someone else.
      const got = await outcome(await valid(e, { token: f.viewer.token, ids: { userId: f.owner.userId } }));
      if (got.status !== 403 || !got.problem) wrong.push({ endpoint: e.id, ...got });
    }

    expect(wrong).toEqual([]);
  });

  it.each(Object.entries(PROOFS))("when %s is provoked, then the endpoint answers it", async (key, proof) => {
    const [id, status] = key.split(" ") as [EndpointId, string];

    if (typeof proof === "function") {
      const got = await outcome(await proof(endpoint(id)));
      expect(got).toEqual({ status: Number(status), problem: true });
    } else {
      const source = readFileSync(path.resolve(import.meta.dirname, "../../..", proof.file), "utf8");
      expect(source).toContain(proof.test);
      expect(errorStatuses(endpoint(id))).toContain(Number(status));
    }
  });

  // Last: it closes the metadata store.
  it("when the metadata store is down, then every route answers 503", async () => {
    await api.app.repos.close();

    expect(await expectDerived(503, (e) => valid(e))).toEqual([]);
  });
});
