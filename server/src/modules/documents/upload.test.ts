import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, json, startApi, type TestApi } from "../../../test/harness.ts";

const PAPER = path.join(CORPUS, "papers/gadr.pdf");

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

describe("document upload", () => {
  let api: TestApi;
  let token: string;
  let projectId: string;
  const upload = (
    body: NonNullable<RequestInit["body"]>,
    query = "?filename=paper.pdf",
    headers: Record<string, string> = { "content-type": "application/pdf" },
  ) => api.call("POST", `/api/v1/projects/${projectId}/documents${query}`, { token, body, headers });
  const docCount = async () =>
    (await json(await api.call("GET", `/api/v1/projects/${projectId}/documents`, { token }))).items.length;

  beforeAll(async () => {
    api = await startApi({ MAX_UPLOAD_MB: "1" });
    ({ token } = await api.signUp());
    projectId = (await json(await api.call("POST", "/api/v1/projects", { token, json: { name: "Uploads" } })))
      .id;
  });
  afterAll(async () => {
    await api.close();
  });

  it("when a PDF is uploaded, then 202 with a queued document and job; the same bytes again are a 200 duplicate", async () => {
    const bytes = readFileSync(path.join(CORPUS, "papers/P07-1088.pdf"));

    const first = await upload(bytes);
    const firstBody = await json(first);
    const second = await upload(bytes, "?filename=again.pdf");
    const secondBody = await json(second);

    expect(first.status).toBe(202);
    expect(firstBody.document).toMatchObject({
      status: "queued",
      mediaType: "application/pdf",
      filename: "paper.pdf",
      byteSize: bytes.length,
    });
    expect(firstBody.job).toMatchObject({ queue: "document_processing", status: "queued" });
    expect(second.status).toBe(200);
    expect(secondBody.duplicate).toBe(true);
    expect(secondBody.document.id).toBe(firstBody.document.id);
  });

  it("when a multipart upload arrives, then the file part is stored with its name", async () => {
    const form = new FormData();
    form.set("file", new Blob([readFileSync(PAPER)], { type: "application/pdf" }), "gadr.pdf");

    const res = await api.call("POST", `/api/v1/projects/${projectId}/documents`, { token, body: form });
    const body = await json(res);

    expect(res.status).toBe(202);
    expect(body.document.filename).toBe("gadr.pdf");
    const file = await api.call("GET", `/api/v1/documents/${body.document.id}/file`, { token });
    expect(Buffer.from(await file.arrayBuffer()).equals(readFileSync(PAPER))).toBe(true);
  });

  it("when a non-PDF is renamed .pdf, then 415 and nothing is stored", async () => {
    const before = await docCount();

    const res = await upload(
      Buffer.from("PK\u0003\u0004 this is really a zip file ".repeat(100)),
      "?filename=thesis.pdf",
    );

    expect(res.status).toBe(415);
    expect((await json(res)).code).toBe("unsupported_media_type");
    expect(await docCount()).toBe(before);
  });

  it("when the declared size is over the limit, then 413 arrives before the body is sent and nothing is stored", async () => {
    const before = await docCount();
    const blobsBefore = filesUnder(path.join(api.dataDir, "blobs")).length;

    // Declare 5 MB, send only the headers: the answer must not wait for the body.
    const { port } = new URL(api.url);
    const response = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), "127.0.0.1", () => {
        socket.write(
          `POST /api/v1/projects/${projectId}/documents?filename=big.pdf HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/pdf\r\nContent-Length: ${5 * 1024 * 1024}\r\n\r\n%PDF-1.7\n`,
        );
      });
      let data = "";
      socket.on("data", (d) => {
        data += d.toString();
        if (data.includes("\r\n\r\n") && data.includes("}")) {
          socket.destroy();
          resolve(data);
        }
      });
      socket.on("error", reject);
      setTimeout(() => reject(new Error(`no answer before the body; got: ${data}`)), 5000);
    });

    expect(response).toMatch(/^HTTP\/1\.1 413/);
    expect(response).toContain("payload_too_large");
    expect(await docCount()).toBe(before);
    expect(filesUnder(path.join(api.dataDir, "blobs"))).toHaveLength(blobsBefore);
  });

  it("when a chunked upload grows past the limit, then 413 and no blob is left behind", async () => {
    const before = await docCount();
    const blobsBefore = filesUnder(path.join(api.dataDir, "blobs")).length;
    const chunk = new Uint8Array(256 * 1024).fill(32);
    chunk.set(new TextEncoder().encode("%PDF-1.7\n"));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk.slice());
        else controller.close();
      },
    });

    const res = await upload(body);

    expect(res.status).toBe(413);
    expect(await docCount()).toBe(before);
    expect(filesUnder(path.join(api.dataDir, "blobs"))).toHaveLength(blobsBefore);
  });

  it("when the client hangs up mid-upload, then nothing is stored and the server keeps serving", async () => {
    const before = await docCount();
    const blobsBefore = filesUnder(path.join(api.dataDir, "blobs")).length;
    const bytes = readFileSync(PAPER);
    const { port } = new URL(api.url);

    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), "127.0.0.1", () => {
        socket.write(
          `POST /api/v1/projects/${projectId}/documents?filename=cut.pdf HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/pdf\r\nContent-Length: ${bytes.length}\r\n\r\n`,
        );
        socket.write(bytes.subarray(0, 200_000), () => {
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 100);
        });
      });
    });
    await new Promise((r) => setTimeout(r, 300));

    expect((await api.call("GET", "/healthz")).status).toBe(200);
    expect(await docCount()).toBe(before);
    expect(filesUnder(path.join(api.dataDir, "blobs"))).toHaveLength(blobsBefore);
  });

  it("when the upload is empty, then 400 and nothing is stored", async () => {
    const res = await upload(new Uint8Array(0));

    expect(res.status).toBe(400);
  });

  it("when a viewer uploads, then 403 and nothing is stored", async () => {
    const viewer = await api.signUp("viewer-upload@example.org");
    await api.call("POST", `/api/v1/projects/${projectId}/members`, {
      token,
      json: { email: "viewer-upload@example.org", role: "viewer" },
    });
    const before = await docCount();

    const res = await api.call("POST", `/api/v1/projects/${projectId}/documents?filename=x.pdf`, {
      token: viewer.token,
      body: readFileSync(PAPER),
      headers: { "content-type": "application/pdf" },
    });

    expect(res.status).toBe(403);
    expect(await docCount()).toBe(before);
  });
});
