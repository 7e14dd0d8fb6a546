import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createContext, createLogger, type AppContext } from "@academic-assist/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, TEST_SECRET } from "../../test/harness.ts";
import { createApp } from "../app.ts";
import { AREAS, parseServerConfig, UPSTREAM_VARIABLES, type Area } from "../config.ts";
import { IDENTITY_HEADER, signIdentity } from "../http/internal-identity.ts";

/**
 * The split topology in one process: five role apps and gateways on loopback ports sharing one
 * DATA_DIR context, each on its own HTTP server — the gateway talks to the roles over real sockets.
 * (scripts/e2e/split-topology.test.ts runs the same as separate processes.)
 */
interface Listening {
  url: string;
  server: http.Server;
  /** Requests this server received, by path. */
  seen: string[];
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<Listening> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const closedPort = async () => {
  const s = await listen(() => undefined);
  await s.close();
  return s.url;
};

describe("gateway in front of the role services", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "aa-gateway-"));
  const env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    NODE_ENV: "test",
    LOCAL_BOOTSTRAP: "false",
    ALLOW_REGISTRATION: "true",
  } as const;
  let app: AppContext;
  const roles = {} as Record<Area, Listening>;
  const closers: (() => void)[] = [];
  let gateway: Listening;
  let token: string;
  let userId: string;

  const startGateway = async (upstreams: Record<Area, string>, extra: Record<string, string> = {}) => {
    const config = parseServerConfig({
      ...env,
      ...extra,
      SERVICE: "gateway",
      ...Object.fromEntries(AREAS.map((a) => [UPSTREAM_VARIABLES[a], upstreams[a]])),
    });
    const built = createApp({ app, config, secret: TEST_SECRET });
    closers.push(built.close);
    return listen(built.express);
  };

  beforeAll(async () => {
    app = await createContext(parseServerConfig(env), createLogger({ name: "test", level: "silent" }));
    for (const area of AREAS) {
      const built = createApp({
        app,
        config: parseServerConfig({ ...env, SERVICE: area }),
        secret: TEST_SECRET,
      });
      roles[area] = await listen(built.express);
    }
    gateway = await startGateway(
      Object.fromEntries(AREAS.map((a) => [a, roles[a].url])) as Record<Area, string>,
    );
    const res = await fetch(`${gateway.url}/api/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "gw@example.org", password: "correct horse battery", name: "GW" }),
    });
    const session = await json(res);
    token = session.accessToken;
    userId = session.user.id;
  });

  afterAll(async () => {
    for (const close of closers) close();
    await Promise.all([gateway.close(), ...AREAS.map((a) => roles[a].close())]);
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("when a signed-in user creates and reads a project through the gateway, then the project role serves it", async () => {
    const before = roles.project.seen.length;

    const created = await fetch(`${gateway.url}/api/v1/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Through the gateway" }),
    });
    const project = await json(created);
    const listed = await json(
      await fetch(`${gateway.url}/api/v1/projects`, { headers: { authorization: `Bearer ${token}` } }),
    );

    expect(created.status).toBe(201);
    expect(project.role).toBe("owner");
    expect(listed.items.map((p: { id: string }) => p.id)).toContain(project.id);
    expect(roles.project.seen.length - before).toBe(2);
    expect(roles.document.seen).not.toContain(`POST /api/v1/projects`);
  });

  it("when a request has no token, then the gateway answers 401 problem+json and no role sees it", async () => {
    const seenBefore = AREAS.map((a) => roles[a].seen.length);

    const res = await fetch(`${gateway.url}/api/v1/projects`);
    const body = await json(res);

    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(body.code).toBe("unauthorized");
    expect(AREAS.map((a) => roles[a].seen.length)).toEqual(seenBefore);
  });

  it("when a client forges the identity header at the gateway, then it is ignored: no token is still 401, a token still acts as its owner", async () => {
    const forged = signIdentity("some-other-secret-that-is-long-enough-000", {
      requestId: "x",
      method: "GET",
      url: "/api/v1/auth/me",
      ip: "1.2.3.4",
      user: { id: "usr_admin", email: "admin@example.org", name: "Admin", via: "jwt" },
    });

    const anonymous = await fetch(`${gateway.url}/api/v1/auth/me`, {
      headers: { [IDENTITY_HEADER]: forged },
    });
    const asMe = await fetch(`${gateway.url}/api/v1/auth/me`, {
      headers: { [IDENTITY_HEADER]: forged, authorization: `Bearer ${token}` },
    });

    expect(anonymous.status).toBe(401);
    expect(asMe.status).toBe(200);
    expect((await json(asMe)).id).toBe(userId);
  });

  it("when a client sends a forged, expired or replayed identity directly to a role, then the role answers 401", async () => {
    const me = { id: userId, email: "gw@example.org", name: "GW", via: "jwt" as const };
    const call = (header: string, url = "/api/v1/auth/me", requestId = "req-1") =>
      fetch(`${roles.auth.url}${url}`, { headers: { [IDENTITY_HEADER]: header, "x-request-id": requestId } });
    const claims = { requestId: "req-1", method: "GET", url: "/api/v1/auth/me", ip: "127.0.0.1", user: me };

    const wrongKey = await call(signIdentity("an-attackers-guess-at-the-secret-key-0000", claims));
    const tampered = await call(signIdentity(TEST_SECRET, claims).replace(/^v1\.(.)/, "v1.A"));
    const expired = await call(signIdentity(TEST_SECRET, claims, Date.now() - 60_000));
    const otherPath = await call(signIdentity(TEST_SECRET, claims), "/api/v1/auth/tokens");
    const otherRequest = await call(signIdentity(TEST_SECRET, claims), "/api/v1/auth/me", "req-2");
    const plain = await call(JSON.stringify({ user: me }));
    const genuine = await call(signIdentity(TEST_SECRET, claims));

    for (const res of [wrongKey, tampered, expired, otherPath, otherRequest, plain]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(genuine.status).toBe(200);
    expect((await json(genuine)).id).toBe(userId);
  });

  it("when a role is called directly with a bearer token, then it still serves its own area and 404s the others", async () => {
    const own = await fetch(`${roles.auth.url}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const other = await fetch(`${roles.auth.url}/api/v1/projects`, {
      headers: { authorization: `Bearer ${token}` },
    });

    expect(own.status).toBe(200);
    expect(other.status).toBe(404);
    expect((await json(other)).code).toBe("not_found");
  });

  it("when the client sends X-Request-Id, then the role's problem+json answer carries it back through the gateway", async () => {
    const res = await fetch(`${gateway.url}/api/v1/documents/doc_doesnotexist`, {
      headers: { authorization: `Bearer ${token}`, "x-request-id": "trace-me-123" },
    });
    const body = await json(res);

    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.headers.get("x-request-id")).toBe("trace-me-123");
    expect(body).toMatchObject({ code: "not_found", requestId: "trace-me-123" });
    expect(roles.document.seen).toContain("GET /api/v1/documents/doc_doesnotexist");
  });

  it("when the client sends no request id, then the gateway makes one and the role answers with the same", async () => {
    const res = await fetch(`${gateway.url}/api/v1/notes/note_missing`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await json(res);

    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("when an upload declares more than MAX_UPLOAD_MB, then the gateway answers 413 problem+json without waiting for the body", async () => {
    const project = await json(
      await fetch(`${gateway.url}/api/v1/projects`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Too big" }),
      }),
    );
    const url = new URL(`${gateway.url}/api/v1/projects/${project.id}/documents?filename=huge.pdf`);

    const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = http.request(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/pdf",
          "content-length": String(500 * 1024 * 1024),
        },
      });
      const chunk = Buffer.alloc(256 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < 400 && req.write(chunk)) sent++;
        if (sent < 400) req.once("drain", pump);
      };
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body });
        });
      });
      req.on("error", reject);
      pump();
    });

    expect(answer.status).toBe(413);
    expect(answer.type).toContain("application/problem+json");
    expect(JSON.parse(answer.body).code).toBe("payload_too_large");
  });

  it("when a chunked upload grows past MAX_UPLOAD_MB, then 413 problem+json and the role stored nothing", async () => {
    const small = await startGateway(
      Object.fromEntries(AREAS.map((a) => [a, roles[a].url])) as Record<Area, string>,
      { MAX_UPLOAD_MB: "1" },
    );
    const project = await json(
      await fetch(`${small.url}/api/v1/projects`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Chunked" }),
      }),
    );
    const chunk = new Uint8Array(256 * 1024).fill(32);
    chunk.set(new TextEncoder().encode("%PDF-1.7\n"));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk.slice());
        else controller.close();
      },
    });

    const res = await fetch(`${small.url}/api/v1/projects/${project.id}/documents?filename=big.pdf`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/pdf" },
      body,
      duplex: "half",
    }).catch((e: unknown) => e as Error);
    await small.close();
    const docs = await json(
      await fetch(`${gateway.url}/api/v1/projects/${project.id}/documents`, {
        headers: { authorization: `Bearer ${token}` },
      }),
    );

    expect(res).toBeInstanceOf(Response);
    expect((res as Response).status).toBe(413);
    expect((await json(res as Response)).code).toBe("payload_too_large");
    expect(docs.items).toEqual([]);
  });

  it("when a path is not in the API, then the gateway answers 404 without a hop", async () => {
    const seenBefore = AREAS.map((a) => roles[a].seen.length);

    const res = await fetch(`${gateway.url}/api/v1/admin/secrets`, {
      headers: { authorization: `Bearer ${token}` },
    });

    expect(res.status).toBe(404);
    expect(AREAS.map((a) => roles[a].seen.length)).toEqual(seenBefore);
  });

  it("when every role is up, then the gateway's /readyz is 200 and lists each upstream", async () => {
    const res = await fetch(`${gateway.url}/readyz`);
    const body = await json(res);

    expect(res.status).toBe(200);
    expect(Object.keys(body.dependencies).sort()).toEqual(
      ["metadata", ...AREAS.map((a) => `upstream:${a}`)].sort(),
    );
    for (const dep of Object.values<{ status: string; latencyMs: number }>(body.dependencies)) {
      expect(dep.status).toBe("ok");
      expect(dep.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  describe("when a role is down", () => {
    let partial: Listening;

    beforeAll(async () => {
      const down = await closedPort();
      partial = await startGateway({
        ...(Object.fromEntries(AREAS.map((a) => [a, roles[a].url])) as Record<Area, string>),
        note: down,
      });
    });

    afterAll(async () => {
      await partial.close();
    });

    it("then its routes answer 503 problem+json quickly while the other areas keep working", async () => {
      const started = Date.now();
      const res = await fetch(`${partial.url}/api/v1/notes/note_x`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = await json(res);
      const elapsed = Date.now() - started;
      const other = await fetch(`${partial.url}/api/v1/auth/me`, {
        headers: { authorization: `Bearer ${token}` },
      });

      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.headers.get("retry-after")).toBe("5");
      expect(body.code).toBe("service_unavailable");
      expect(body.detail).toContain("note");
      expect(elapsed).toBeLessThan(3500);
      expect(other.status).toBe(200);
    });

    it("then a POST with a JSON body gets the same 503 problem+json", async () => {
      const res = await fetch(`${partial.url}/api/v1/documents/doc_x/notes`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ template: "summary" }),
        signal: AbortSignal.timeout(5000),
      });

      expect(res.status).toBe(503);
      expect((await json(res)).code).toBe("service_unavailable");
    });

    it("then the gateway's /readyz is 503 naming that upstream", async () => {
      const res = await fetch(`${partial.url}/readyz`);
      const body = await json(res);

      expect(res.status).toBe(503);
      expect(body.dependencies["upstream:note"].status).toBe("error");
      expect(body.dependencies["upstream:auth"].status).toBe("ok");
      expect(body.checks["upstream:note"]).toBe("down");
    });
  });

  describe("streaming through the gateway (a fake upstream that records what arrives when)", () => {
    let upstream: Listening;
    let streaming: Listening;
    const received: { bytes: number; firstAt: number | null; endedAt: number | null } = {
      bytes: 0,
      firstAt: null,
      endedAt: null,
    };
    let sseClosed: Promise<void>;
    let resolveSseClosed: () => void;

    beforeAll(async () => {
      sseClosed = new Promise((r) => (resolveSseClosed = r));
      upstream = await listen((req, res) => {
        if (req.url?.startsWith("/api/v1/events")) {
          res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
          res.write('event: hello\ndata: {"n":1}\n\n');
          req.on("close", () => resolveSseClosed());
          return; // held open until the client leaves
        }
        req.on("data", (chunk: Buffer) => {
          received.firstAt ??= Date.now();
          received.bytes += chunk.length;
        });
        req.on("end", () => {
          received.endedAt = Date.now();
          res
            .writeHead(202, { "content-type": "application/json" })
            .end(JSON.stringify({ bytes: received.bytes }));
        });
      });
      streaming = await startGateway(
        Object.fromEntries(AREAS.map((a) => [a, upstream.url])) as Record<Area, string>,
      );
    });

    afterAll(async () => {
      await Promise.all([streaming.close(), upstream.close()]);
    });

    it("when a 100 MB upload is sent, then the role receives its first bytes long before the client finishes sending", async () => {
      const chunk = new Uint8Array(1024 * 1024).fill(37);
      let sent = 0;
      let clientDoneAt = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent === 3) {
            // Hold the rest back until the role has seen the start: a buffering proxy would deadlock here.
            const deadline = Date.now() + 10_000;
            while (received.bytes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          }
          if (sent === 100) {
            clientDoneAt = Date.now();
            controller.close();
            return;
          }
          sent++;
          controller.enqueue(chunk);
        },
      });

      const res = await fetch(`${streaming.url}/api/v1/projects/prj_1/documents?filename=big.pdf`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/pdf" },
        body,
        duplex: "half",
      });
      const answer = await json(res);

      expect(res.status).toBe(202);
      expect(answer.bytes).toBe(100 * 1024 * 1024);
      expect(received.firstAt).not.toBeNull();
      expect(received.firstAt!).toBeLessThan(clientDoneAt);
    });

    it("when an SSE stream is open, then events arrive before the stream ends, and closing the client closes the role's stream", async () => {
      const controller = new AbortController();
      const res = await fetch(`${streaming.url}/api/v1/events`, {
        headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      const { value } = await reader.read();

      controller.abort();
      const closed = await Promise.race([
        sseClosed.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 3000)),
      ]);

      expect(res.headers.get("content-type")).toBe("text/event-stream");
      expect(new TextDecoder().decode(value)).toContain("event: hello");
      expect(closed).toBe(true);
    });
  });
});
