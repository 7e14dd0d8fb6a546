import http from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createContext, createLogger, type AppContext } from "@academic-assist/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, json, TEST_SECRET } from "../../test/harness.ts";
import { entriesUnder, multipartForm, requestHead, sendAndHangUp, sendRaw } from "../../test/raw-http.ts";
import { uploadMetrics, uploadsSettled } from "../../test/upload-metrics.ts";
import { createApp } from "../app.ts";
import { AREAS, parseServerConfig, UPSTREAM_VARIABLES, type Area } from "../config.ts";

const GADR = readFileSync(path.join(CORPUS, "papers/gadr.pdf"));

/**
 * Broken uploads through the gateway of the split topology (each role and the gateway on its own
 * loopback HTTP server, one shared DATA_DIR): the gateway streams the body to the document role, so
 * a cut or abandoned body reaches the role as one — neither process may crash or keep a file.
 */
describe("broken uploads through the gateway", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "aa-gateway-uploads-"));
  const env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    NODE_ENV: "test",
    LOCAL_BOOTSTRAP: "false",
    ALLOW_REGISTRATION: "true",
    MAX_UPLOAD_MB: "1",
  } as const;
  const servers: http.Server[] = [];
  const closers: (() => void)[] = [];
  let app: AppContext;
  const roleUrls = {} as Record<Area, string>;
  let gatewayUrl: string;
  let token: string;
  let projectId: string;

  const serve = async (handler: http.RequestListener) => {
    const server = http.createServer(handler).listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const tempFiles = () => entriesUnder(path.join(dataDir, "blobs", ".tmp"));
  const roleUploads = () => uploadMetrics(roleUrls.document);
  const settled = async (count: number) => {
    await uploadsSettled(roleUrls.document, count);
    expect(tempFiles()).toEqual([]);
    expect((await fetch(`${gatewayUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${roleUrls.document}/healthz`)).status).toBe(200);
  };
  const uploadHead = (contentType: string, length: number, query = "") =>
    requestHead(`/api/v1/projects/${projectId}/documents${query}`, {
      authorization: `Bearer ${token}`,
      "content-type": contentType,
      "content-length": length,
    });

  beforeAll(async () => {
    app = await createContext(parseServerConfig(env), createLogger({ name: "test", level: "silent" }));
    for (const area of AREAS) {
      const role = createApp({
        app,
        config: parseServerConfig({ ...env, SERVICE: area }),
        secret: TEST_SECRET,
      });
      roleUrls[area] = await serve(role.express);
    }
    const gateway = createApp({
      app,
      config: parseServerConfig({
        ...env,
        SERVICE: "gateway",
        ...Object.fromEntries(AREAS.map((a) => [UPSTREAM_VARIABLES[a], roleUrls[a]])),
      }),
      secret: TEST_SECRET,
    });
    closers.push(gateway.close);
    gatewayUrl = await serve(gateway.express);
    const session = await json(
      await fetch(`${gatewayUrl}/api/v1/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "gw-up@example.org", password: "correct horse battery", name: "GW" }),
      }),
    );
    token = session.accessToken;
    projectId = (
      await json(
        await fetch(`${gatewayUrl}/api/v1/projects`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ name: "Gateway uploads" }),
        }),
      )
    ).id;
  });

  afterAll(async () => {
    for (const close of closers) close();
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("when 20 multipart bodies end before their closing boundary, then each gets the role's 400 upload_incomplete and a good upload still works", async () => {
    const form = multipartForm(GADR, "cut.pdf");
    const cutAt = [2_000, 150_000];
    const count = (await roleUploads()).settled;

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const body = Buffer.concat([form.head, form.file.subarray(0, cutAt[i % cutAt.length])]);
        return sendRaw(gatewayUrl, [uploadHead(form.contentType, body.length), body]);
      }),
    );
    await settled(count + 20);
    const good = await fetch(`${gatewayUrl}/api/v1/projects/${projectId}/documents?filename=gadr.pdf`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/pdf" },
      body: GADR,
    });

    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(400));
    expect(answers[0]!.headers["content-type"]).toContain("application/problem+json");
    expect(JSON.parse(answers[0]!.body).code).toBe("upload_incomplete");
    expect(good.status).toBe(202);
  });

  it.each([
    ["multipart", true],
    ["raw-body", false],
  ])(
    "when the client hangs up in the middle of a %s upload, then the role settles it and removes its temp file",
    async (_kind, multipart) => {
      const form = multipartForm(GADR, "gone.pdf");
      const head = multipart
        ? uploadHead(form.contentType, form.whole.length)
        : uploadHead("application/pdf", GADR.length, "?filename=gone.pdf");
      const start = multipart
        ? Buffer.concat([form.head, GADR.subarray(0, 300_000)])
        : GADR.subarray(0, 300_000);
      const count = (await roleUploads()).settled;

      await sendAndHangUp(gatewayUrl, [head, start], () => tempFiles().length > 0);

      await settled(count + 1);
      const docs = await json(
        await fetch(`${gatewayUrl}/api/v1/projects/${projectId}/documents`, {
          headers: { authorization: `Bearer ${token}` },
        }),
      );
      expect(docs.items.map((d: { filename: string }) => d.filename)).not.toContain("gone.pdf");
    },
  );
});
