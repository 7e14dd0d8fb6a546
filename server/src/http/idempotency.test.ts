/**
 * `Idempotency-Key` on the real API: the endpoints whose contract says `idempotency: "key"` act once
 * per key (per user and endpoint) and replay their first answer; the SDK's retry after a lost
 * response goes through a real TCP proxy that cuts the connection once the server has answered.
 */
import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { nowIso } from "@academic-assist/core";
import { AcademicAssist } from "@academic-assist/sdk";
import { endpointList } from "@academic-assist/sdk/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, seedDocument, seedNote, startApi, type TestApi } from "../../test/harness.ts";
import { CLAIM_STALE_MS, idempotencyScope } from "./idempotency.ts";

/**
 * An HTTP proxy to `target` that, for the first request matching `drop`, lets the server answer in
 * full and then destroys the client's connection instead of passing the answer on: a response lost
 * on the way back, after the server acted.
 */
async function lossyProxy(
  target: string,
  drop: (method: string, path: string) => boolean,
): Promise<{
  url: string;
  seen: { method: string; path: string; key?: string; replayed?: string }[];
  close(): Promise<void>;
}> {
  const seen: { method: string; path: string; key?: string; replayed?: string }[] = [];
  let dropped = false;
  const server: Server = createServer((req, res) => {
    const upstream = httpRequest(
      `${target}${req.url ?? "/"}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        const entry = {
          method: req.method ?? "",
          path: req.url ?? "",
          key: req.headers["idempotency-key"] as string | undefined,
          replayed: answer.headers["idempotent-replayed"] as string | undefined,
        };
        seen.push(entry);
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("end", () => {
          if (!dropped && drop(entry.method, entry.path)) {
            dropped = true;
            req.socket.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe("Idempotency-Key", () => {
  let api: TestApi;
  let user: { token: string; userId: string };

  beforeAll(async () => {
    api = await startApi();
    user = await api.signUp("idem@example.org");
  });
  afterAll(async () => {
    await api.close();
  });

  const post = (path: string, body: unknown, key?: string, token = user.token) =>
    api.call("POST", path, { token, json: body, headers: key ? { "idempotency-key": key } : {} });

  it("when the first answer to projects.create is lost and the SDK retries, then one project is created and the retry gets its answer", async () => {
    const proxy = await lossyProxy(
      api.url,
      (method, path) => method === "POST" && path === "/api/v1/projects",
    );
    const client = new AcademicAssist({ baseURL: proxy.url, apiKey: user.token });

    try {
      const project = await client.projects.create({ name: "Lost answer" });

      const named = (await json(await api.call("GET", "/api/v1/projects?limit=100", { token: user.token })))
        .items as { id: string; name: string }[];
      expect(named.filter((p) => p.name === "Lost answer").map((p) => p.id)).toEqual([project.id]);
      const posts = proxy.seen.filter((s) => s.method === "POST");
      expect(posts).toHaveLength(2);
      expect(posts[0]!.key).toMatch(/^[0-9a-f-]{36}$/);
      expect(posts[1]!.key).toBe(posts[0]!.key);
      expect(posts.map((p) => p.replayed)).toEqual([undefined, "true"]);
    } finally {
      await proxy.close();
    }
  });

  it("when tokens.create is sent twice with one key, then one token exists and both answers carry the same secret", async () => {
    const key = randomUUID();
    const tokens = async () =>
      (await json<{ items: unknown[] }>(await api.call("GET", "/api/v1/auth/tokens", { token: user.token })))
        .items;
    const before = (await tokens()).length;

    const first = await post("/api/v1/auth/tokens", { name: "CLI" }, key);
    const second = await post("/api/v1/auth/tokens", { name: "CLI" }, key);

    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const [a, b] = [await json(first), await json(second)];
    expect(b).toEqual(a);
    expect(await tokens()).toHaveLength(before + 1);
  });

  it("when the key is reused for a different body, then 409 idempotency_conflict and nothing is created", async () => {
    const key = randomUUID();
    await post("/api/v1/projects", { name: "First use" }, key);

    const reuse = await post("/api/v1/projects", { name: "Second use" }, key);

    expect(reuse.status).toBe(409);
    expect(reuse.headers.get("content-type")).toContain("application/problem+json");
    expect((await json(reuse)).code).toBe("idempotency_conflict");
    const names = (
      await json(await api.call("GET", "/api/v1/projects?limit=100", { token: user.token }))
    ).items.map((p: { name: string }) => p.name);
    expect(names).not.toContain("Second use");
  });

  it("when another user or another endpoint uses the same key, then each acts on its own", async () => {
    const other = await api.signUp("idem-other@example.org");
    const key = randomUUID();

    const mine = await post("/api/v1/projects", { name: "Shared key" }, key);
    const theirs = await post("/api/v1/projects", { name: "Shared key" }, key, other.token);
    const token = await post("/api/v1/auth/tokens", { name: "Shared key" }, key);

    expect([mine.status, theirs.status, token.status]).toEqual([201, 201, 201]);
    expect((await json(theirs)).id).not.toBe((await json(mine)).id);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
  });

  it("when the first request with a key is still running, then a second one gets 409 with Retry-After and nothing runs twice", async () => {
    const key = randomUUID();
    // The first request's claim, as it stands while its handler runs.
    await api.app.repos.idempotency.claim(
      user.userId,
      idempotencyScope("projects.create", key),
      "the first request",
      nowIso(),
      new Date(Date.now() - CLAIM_STALE_MS).toISOString(),
    );

    const second = await post("/api/v1/projects", { name: "Concurrent" }, key);

    expect(second.status).toBe(409);
    expect(second.headers.get("retry-after")).toBe("1");
    expect((await json(second)).code).toBe("idempotency_conflict");
    const names = (
      await json(await api.call("GET", "/api/v1/projects?limit=100", { token: user.token }))
    ).items.map((p: { name: string }) => p.name);
    expect(names).not.toContain("Concurrent");
  });

  it("when the first request with a key fails (404), then nothing is stored and a corrected retry with the key runs", async () => {
    const key = randomUUID();
    const project = await json(await post("/api/v1/projects", { name: "Templates here" }));

    const wrong = await post(
      `/api/v1/projects/prj_missing/templates`,
      { name: "T", skeleton: "{{section:S}}" },
      key,
    );
    const right = await post(
      `/api/v1/projects/${project.id}/templates`,
      { name: "T", skeleton: "{{section:S}}" },
      key,
    );

    expect(wrong.status).toBe(404);
    expect(right.status).toBe(201);
    expect(right.headers.get("idempotent-replayed")).toBeNull();
  });

  it("when a note edit is replayed, then its stored status, body and ETag come back and the note moved on once", async () => {
    const project = await json(await post("/api/v1/projects", { name: "Edits" }));
    const documentId = await seedDocument(api.app, { projectId: project.id, createdBy: user.userId });
    const noteId = await seedNote(api.app, { projectId: project.id, documentId, createdBy: user.userId });
    const key = randomUUID();
    const edit = () =>
      api.call("PATCH", `/api/v1/notes/${noteId}`, {
        token: user.token,
        json: { markdown: "# Summary\nMine.\n" },
        headers: { "if-match": '"1"', "idempotency-key": key },
      });

    const first = await edit();
    const replay = await edit();

    expect([first.status, replay.status]).toEqual([200, 200]);
    expect(first.headers.get("etag")).toBe('"2"');
    expect(replay.headers.get("etag")).toBe('"2"');
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(replay)).toEqual(await json(first));
    expect((await api.app.repos.notes.findById(noteId))?.revision).toBe(2);
  });

  it("when the key is not 1-255 visible ASCII characters, then 400 names the header", async () => {
    const res = await post("/api/v1/projects", { name: "Bad key" }, "k".repeat(256));

    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual([
      { path: "headers.Idempotency-Key", message: expect.any(String) },
    ]);
  });

  it("when the contract is read, then every POST and PATCH says what repeating it does, and only the authenticated ones honour keys", () => {
    const mutating = endpointList.filter((e) => e.method === "post" || e.method === "patch");

    const undeclared = mutating.filter((e) => e.idempotency === undefined).map((e) => e.id);
    const keyedWithoutAuth = endpointList.filter((e) => e.idempotency === "key" && !e.auth).map((e) => e.id);

    // Registration alone: a repeat answers 409 email_taken, and there is no user to scope a key by.
    expect(undeclared).toEqual(["auth.register"]);
    expect(keyedWithoutAuth).toEqual([]);
  });
});
