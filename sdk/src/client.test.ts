/// <reference types="node" />
import { afterEach, describe, expect, it } from "vitest";
import { makeDocument, makeEvent, makeProject } from "../test/fixtures.ts";
import {
  closedPort,
  json,
  problem,
  startWireServer,
  type Handler,
  type WireServer,
} from "../test/wire-server.ts";
import {
  AcademicAssist,
  ApiError,
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  ProcessingFailedError,
  RateLimitError,
  ResponseValidationError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  type Document,
  type Event,
} from "./index.ts";

let server: WireServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(
  handler: Handler,
  options: Partial<ConstructorParameters<typeof AcademicAssist>[0]> = {},
) {
  server = await startWireServer(handler);
  const client = new AcademicAssist({ baseURL: server.url, apiKey: "aa_test", ...options });
  return { client, requests: server.requests };
}

function sse(event: Event): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

describe("requests", () => {
  it("when a GET is made, then it goes to /api/v1 with the bearer token and encoded path params", async () => {
    const { client, requests } = await serve((_req, res) => {
      json(res, 200, makeDocument({ id: "doc_a-b" }));
    });

    const doc = await client.documents.retrieve("doc_a-b");

    expect(doc.id).toBe("doc_a-b");
    expect(requests[0]?.path).toBe("/api/v1/documents/doc_a-b");
    expect(requests[0]?.headers.authorization).toBe("Bearer aa_test");
  });

  it("when the response has fields the contract does not know, then they are tolerated", async () => {
    const { client } = await serve((_req, res) => {
      json(res, 200, { ...makeProject(), futureField: 42 });
    });

    await expect(client.projects.retrieve("prj_1")).resolves.toMatchObject({ id: "prj_1" });
  });

  it("when a response breaks the contract, then lenient mode returns it and strict mode throws", async () => {
    const { client } = await serve((_req, res) => {
      json(res, 200, { ...makeProject(), role: "superuser" });
    });

    await expect(client.projects.retrieve("prj_1")).resolves.toMatchObject({ role: "superuser" });
    await expect(
      client.withOptions({ validation: "strict" }).projects.retrieve("prj_1"),
    ).rejects.toBeInstanceOf(ResponseValidationError);
  });
});

describe("retries", () => {
  it("when the server answers 503 with Retry-After, then the client waits that long and succeeds", async () => {
    let calls = 0;
    const { client, requests } = await serve((_req, res) => {
      if (++calls === 1) problem(res, 503, "service_unavailable", "warming up", {}, { "retry-after": "1" });
      else json(res, 200, makeProject());
    });
    const started = Date.now();

    const project = await client.projects.retrieve("prj_1");

    expect(project.name).toBe("My library");
    expect(requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("when the server answers 429 with an HTTP-date Retry-After or retry-after-ms, then both are honoured", async () => {
    let calls = 0;
    const { client, requests } = await serve((_req, res) => {
      calls++;
      if (calls === 1)
        problem(
          res,
          429,
          "rate_limited",
          "slow down",
          {},
          { "retry-after": new Date(Date.now() + 1500).toUTCString() },
        );
      else if (calls === 2) problem(res, 429, "rate_limited", "slow down", {}, { "retry-after-ms": "20" });
      else json(res, 200, makeProject());
    });

    await client.projects.retrieve("prj_1");

    expect(requests).toHaveLength(3);
  });

  it("when the server answers 400, then the client does not retry", async () => {
    const { client, requests } = await serve((_req, res) => {
      problem(res, 400, "validation_failed", "name is required", {
        errors: [{ path: "body.name", message: "Required" }],
      });
    });

    const error = await client.projects.create({ name: "" }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestError);
    expect(requests).toHaveLength(1);
    const e = error as BadRequestError;
    expect(e.status).toBe(400);
    expect(e.code).toBe("validation_failed");
    expect(e.detail).toBe("name is required");
    expect(e.requestId).toBe("req_1");
    expect(e.errors).toEqual([{ path: "body.name", message: "Required" }]);
  });

  it("when a POST is retried, then every attempt carries the same Idempotency-Key", async () => {
    let calls = 0;
    const { client, requests } = await serve((_req, res) => {
      if (++calls < 3) problem(res, 500, "internal", "boom", {}, { "retry-after-ms": "1" });
      else json(res, 201, makeProject());
    });

    await client.projects.create({ name: "Papers" });

    const keys = requests.map((r) => r.headers["idempotency-key"]);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(JSON.parse(requests[0]!.body.toString())).toEqual({ name: "Papers" });
  });

  it("when an endpoint's contract does not honour Idempotency-Key, then no key is sent, not even one passed in", async () => {
    const { client, requests } = await serve((req, res) => {
      if (req.path.endsWith("/estimate"))
        json(res, 200, {
          provider: "extractive",
          model: "x",
          inputTokens: 1,
          outputTokens: 1,
          costUsd: null,
          cached: false,
        });
      else problem(res, 409, "email_taken", "taken");
    });

    await client.notes.estimate("doc_1", {}, { idempotencyKey: "mine" });
    await client.auth
      .register({ email: "a@example.org", password: "correct horse battery", name: "A" })
      .catch(() => null);
    await client.projects.create({ name: "Keyed" }, { idempotencyKey: "mine" }).catch(() => null);

    expect(requests.map((r) => [r.path, r.headers["idempotency-key"]])).toEqual([
      ["/api/v1/documents/doc_1/notes/estimate", undefined],
      ["/api/v1/auth/register", undefined],
      ["/api/v1/projects", "mine"],
    ]);
  });

  it("when a POST without key or natural idempotency (register) gets a 500 or loses its connection, then it is not retried", async () => {
    let calls = 0;
    const { client, requests } = await serve((_req, res) => {
      if (++calls === 1) problem(res, 500, "internal", "boom", {}, { "retry-after-ms": "1" });
      else res.socket?.destroy();
    });
    const params = { email: "a@example.org", password: "correct horse battery", name: "A" };

    await expect(client.auth.register(params)).rejects.toBeInstanceOf(InternalServerError);
    await expect(client.auth.register(params)).rejects.toBeInstanceOf(APIConnectionError);

    expect(requests).toHaveLength(2);
  });

  it("when a POST without key is refused before any work (429, 503) or cannot connect, then it is retried", async () => {
    let calls = 0;
    const { client, requests } = await serve((_req, res) => {
      calls++;
      if (calls === 1) problem(res, 429, "rate_limited", "slow down", {}, { "retry-after-ms": "1" });
      else if (calls === 2)
        problem(res, 503, "service_unavailable", "store down", {}, { "retry-after-ms": "1" });
      else problem(res, 409, "email_taken", "taken");
    });
    const port = await closedPort();
    let attempts = 0;
    const refused = new AcademicAssist({
      baseURL: `http://127.0.0.1:${port}`,
      maxRetries: 1,
      fetch: (url, init) => {
        attempts++;
        return globalThis.fetch(url, init);
      },
    });
    const params = { email: "a@example.org", password: "correct horse battery", name: "A" };

    await expect(client.auth.register(params)).rejects.toBeInstanceOf(ConflictError);
    await expect(refused.auth.register(params)).rejects.toBeInstanceOf(APIConnectionError);

    expect(requests).toHaveLength(3);
    expect(attempts).toBe(2);
  });

  it("when a project's LLM provider is changed, then the choice is sent and the project comes back with it", async () => {
    const llm = { provider: "openai-compatible", model: "llama3.1:8b" } as const;
    const { client, requests } = await serve((req, res) => {
      json(res, 200, makeProject(JSON.parse(req.body.toString()) as { llm: typeof llm | null }));
    });

    const project = await client.projects.update("prj_1", { llm });
    const cleared = await client.projects.update("prj_1", { llm: null });

    expect(project.llm).toEqual(llm);
    expect(cleared.llm).toBeNull();
    expect(requests.map((r) => JSON.parse(r.body.toString()) as unknown)).toEqual([{ llm }, { llm: null }]);
  });

  it("when retries run out, then the last error is thrown", async () => {
    const { client, requests } = await serve((_req, res) => {
      problem(res, 502, "internal", "bad gateway", {}, { "retry-after-ms": "1" });
    });

    await expect(client.projects.retrieve("prj_1")).rejects.toBeInstanceOf(InternalServerError);
    expect(requests).toHaveLength(3);
  });

  it("when a 409 comes without Retry-After, then it is a real conflict and is not retried", async () => {
    const { client, requests } = await serve((_req, res) => {
      problem(res, 409, "conflict", "document is still processing");
    });

    await expect(client.notes.create("doc_1", {})).rejects.toBeInstanceOf(ConflictError);
    expect(requests).toHaveLength(1);
  });
});

describe("errors", () => {
  const cases: [number, string, new (...args: never[]) => ApiError][] = [
    [401, "token_expired", AuthenticationError],
    [403, "forbidden", PermissionDeniedError],
    [404, "not_found", NotFoundError],
    [409, "email_taken", ConflictError],
    [413, "payload_too_large", PayloadTooLargeError],
    [415, "unsupported_media_type", UnsupportedMediaTypeError],
    [422, "password_required", UnprocessableEntityError],
    [429, "rate_limited", RateLimitError],
    [500, "internal", InternalServerError],
    [504, "extraction_timeout", InternalServerError],
  ];

  it.each(cases)(
    "when the server answers %i %s, then the matching error class carries code and request id",
    async (status, code, Class) => {
      const { client } = await serve(
        (_req, res) => {
          problem(res, status, code, `detail of ${code}`);
        },
        { maxRetries: 0 },
      );

      const error = await client.auth.me().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(Class);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status, code, detail: `detail of ${code}`, requestId: "req_1" });
    },
  );

  it("when the error body is not a problem (a proxy's HTML), then the status still maps and code is null", async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<h1>Not Found</h1>");
    });

    const error = (await client.auth.me().catch((e: unknown) => e)) as NotFoundError;

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.code).toBeNull();
    expect(error.detail).toContain("Not Found");
  });

  it("when the server takes longer than the timeout, then APITimeoutError is thrown after retrying", async () => {
    const { client, requests } = await serve(
      async (_req, res) => {
        await new Promise((r) => setTimeout(r, 400));
        json(res, 200, makeProject());
      },
      { timeout: 100, maxRetries: 1 },
    );

    await expect(client.projects.retrieve("prj_1")).rejects.toBeInstanceOf(APITimeoutError);
    expect(requests.length).toBe(2);
  });

  it("when nothing listens on the port, then APIConnectionError is thrown with the cause", async () => {
    const port = await closedPort();
    const client = new AcademicAssist({ baseURL: `http://127.0.0.1:${port}`, apiKey: "x", maxRetries: 0 });

    const error = (await client.auth.me().catch((e: unknown) => e)) as APIConnectionError;

    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).not.toBeInstanceOf(APITimeoutError);
    expect(error.cause).toBeDefined();
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("when the caller aborts, then the request rejects with the abort reason and is not retried", async () => {
    const { client, requests } = await serve(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      json(res, 200, makeProject());
    });
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 50);

    const error = (await client.projects
      .retrieve("prj_1", { signal: controller.signal })
      .catch((e: unknown) => e)) as Error;

    expect(error.name).toBe("AbortError");
    expect(requests).toHaveLength(1);
  });
});

describe("pagination", () => {
  it("when a list spans 3 pages, then for await walks every item and await gives the first page", async () => {
    const pages: Record<string, { ids: string[]; next: string | null }> = {
      "": { ids: ["doc_1", "doc_2"], next: "c2" },
      c2: { ids: ["doc_3", "doc_4"], next: "c3" },
      c3: { ids: ["doc_5"], next: null },
    };
    const { client, requests } = await serve((req, res) => {
      const page = pages[req.query.get("cursor") ?? ""]!;
      json(res, 200, { items: page.ids.map((id) => makeDocument({ id })), nextCursor: page.next });
    });

    const ids: string[] = [];
    for await (const doc of client.documents.list({ projectId: "prj_1", limit: 2, status: "ready" }))
      ids.push(doc.id);
    const first = await client.documents.list({ projectId: "prj_1", limit: 2 });

    expect(ids).toEqual(["doc_1", "doc_2", "doc_3", "doc_4", "doc_5"]);
    expect(requests.slice(0, 3).map((r) => r.query.get("cursor"))).toEqual([null, "c2", "c3"]);
    expect(requests[0]?.path).toBe("/api/v1/projects/prj_1/documents");
    expect(requests[0]?.query.get("limit")).toBe("2");
    expect(requests[0]?.query.get("status")).toBe("ready");
    expect(first.items.map((d) => d.id)).toEqual(["doc_1", "doc_2"]);
    expect(first.hasNextPage()).toBe(true);
    expect((await first.getNextPage()).items.map((d) => d.id)).toEqual(["doc_3", "doc_4"]);
  });

  it("when a list has no cursor (tokens, members, templates), then it is one page", async () => {
    const { client } = await serve((_req, res) => {
      json(res, 200, {
        items: [{ id: "summary", name: "Summary", description: "", builtIn: true, sections: [] }],
      });
    });

    const ids: string[] = [];
    for await (const t of client.templates.list()) ids.push(t.id);

    expect(ids).toEqual(["summary"]);
  });
});

describe("uploads", () => {
  it("when the file is a ReadableStream, then it is streamed (duplex) with its content type and filename", async () => {
    const { client, requests } = await serve((_req, res) => {
      json(res, 202, { document: makeDocument({ status: "queued" }), job: null, duplicate: false });
    });
    const parts = ["%PDF-1.7\n", "hello ", "world"];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });

    const result = await client.documents.upload("prj_1", stream, { filename: "my paper.pdf" });

    expect(result.document.status).toBe("queued");
    expect(requests[0]?.method).toBe("POST");
    expect(requests[0]?.path).toBe("/api/v1/projects/prj_1/documents");
    expect(requests[0]?.query.get("filename")).toBe("my paper.pdf");
    expect(requests[0]?.headers["content-type"]).toBe("application/pdf");
    expect(requests[0]?.body.toString()).toBe("%PDF-1.7\nhello world");
  });

  it("when a streamed upload fails with 503, then it is not retried (the stream is spent)", async () => {
    const { client, requests } = await serve((_req, res) => {
      problem(res, 503, "service_unavailable", "later", {}, { "retry-after-ms": "1" });
    });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1, 2, 3]));
        controller.close();
      },
    });

    await expect(client.documents.upload("prj_1", stream, { filename: "x.bin" })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(requests).toHaveLength(1);
  });

  it("when the file is a Blob and the same bytes exist, then the duplicate answer is returned after a retry", async () => {
    let calls = 0;
    const { client, requests } = await serve((_req, res) => {
      if (++calls === 1) problem(res, 503, "service_unavailable", "later", {}, { "retry-after-ms": "1" });
      else json(res, 200, { document: makeDocument(), job: null, duplicate: true });
    });

    const result = await client.documents.upload("prj_1", new Blob(["%PDF-1.4 x"]), {
      filename: "scan.TIFF",
    });

    expect(result.duplicate).toBe(true);
    expect(requests.map((r) => r.body.toString())).toEqual(["%PDF-1.4 x", "%PDF-1.4 x"]);
    expect(requests[1]?.headers["content-type"]).toBe("image/tiff");
    expect(requests[1]?.headers["idempotency-key"]).toBe(requests[0]?.headers["idempotency-key"]);
  });

  it("when the server rejects the type with 415, then UnsupportedMediaTypeError says so", async () => {
    const { client } = await serve((_req, res) => {
      problem(res, 415, "unsupported_media_type", "The file is not a PDF or an image.");
    });

    await expect(
      client.documents.upload("prj_1", new Uint8Array([1, 2]), { filename: "a.docx" }),
    ).rejects.toMatchObject({
      status: 415,
      code: "unsupported_media_type",
    });
  });
});

describe("events", () => {
  it("when the stream drops, then it reconnects with Last-Event-ID, skipping keepalives and joining multi-line data", async () => {
    let connections = 0;
    const { client, requests } = await serve((req, res) => {
      connections++;
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      if (connections === 1) {
        res.write(": keepalive\n\n");
        res.write("retry: 10\n\n");
        res.write(sse(makeEvent(1)));
        const e2 = JSON.stringify(
          makeEvent(2, { type: "document.progress", data: { stage: "ocr" } }),
          null,
          2,
        );
        res.write(
          `id: 2\nevent: document.progress\n${e2
            .split("\n")
            .map((l) => `data: ${l}`)
            .join("\n")}\n\n`,
        );
        res.end();
      } else {
        expect(req.headers["last-event-id"]).toBe("2");
        res.write(": keepalive\r\n\r\n");
        res.write(sse(makeEvent(3, { type: "document.status" })).replaceAll("\n", "\r\n"));
      }
    });

    const events: Event[] = [];
    const connects: number[] = [];
    for await (const event of client.events.stream({
      projectId: "prj_1",
      onConnect: () => connects.push(1),
    })) {
      events.push(event);
      if (events.length === 3) break;
    }

    expect(events.map((e) => e.id)).toEqual(["1", "2", "3"]);
    expect(events[1]?.data).toEqual({ stage: "ocr" });
    expect(requests[0]?.headers.accept).toBe("text/event-stream");
    expect(requests[0]?.query.get("projectId")).toBe("prj_1");
    expect(requests[1]?.headers["last-event-id"]).toBe("2");
    expect(requests[1]?.query.get("after")).toBe("2");
    expect(connects).toHaveLength(2);
  });

  it("when the stream goes silent past the idle timeout, then it reconnects", async () => {
    let connections = 0;
    const { client } = await serve((_req, res) => {
      connections++;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("retry: 10\n\n");
      if (connections === 2) res.write(sse(makeEvent(7)));
    });

    const ids: string[] = [];
    for await (const event of client.events.stream({ idleTimeout: 100 })) {
      ids.push(event.id);
      break;
    }

    expect(ids).toEqual(["7"]);
    expect(connections).toBe(2);
  });

  it("when the server refuses the stream with 401, then iteration rejects at once", async () => {
    const { client, requests } = await serve((_req, res) => {
      problem(res, 401, "unauthorized", "bad token");
    });

    const received: Event[] = [];
    const iterate = async () => {
      for await (const event of client.events.stream()) received.push(event);
    };

    await expect(iterate()).rejects.toBeInstanceOf(AuthenticationError);
    expect(requests).toHaveLength(1);
  });

  it("when listing with wait, then it long-polls JSON and returns lastEventId", async () => {
    const { client, requests } = await serve((_req, res) => {
      json(res, 200, { items: [makeEvent(5)], lastEventId: "5" });
    });

    const list = await client.events.list({ projectId: "prj_1", after: "4", wait: 1 });

    expect(list.lastEventId).toBe("5");
    expect(requests[0]?.query.get("wait")).toBe("1");
    expect(requests[0]?.headers.accept).toBe("application/json");
  });
});

describe("ask", () => {
  const result = {
    answer: "Attention weighs the input [p. 3].",
    citations: [{ documentId: "doc_1", page: 3, chunkId: "chk_1" }],
    abstained: false,
    passages: [
      {
        chunkId: "chk_1",
        documentId: "doc_1",
        pageStart: 3,
        pageEnd: 3,
        section: null,
        relevance: 0.8,
        text: "Attention weighs the input.",
      },
    ],
    provider: "extractive",
    model: "extractive-v1",
  };

  it("when the answer is streamed, then tokens arrive as they are written, then the whole answer", async () => {
    const { client, requests } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
      res.write(`event: token\ndata: ${JSON.stringify({ text: "Attention weighs" })}\n\n`);
      // An event split across writes, with CRLF line ends.
      res.write(`event: token\r\ndata: ${JSON.stringify({ text: " the input [p. 3]." })}`);
      res.write("\r\n\r\n");
      res.write(`event: answer\ndata: ${JSON.stringify(result)}\n\n`);
      res.end();
    });

    const items = [];
    for await (const item of client.projects.askStream("prj_1", { question: "What does attention do?" }))
      items.push(item);

    expect(items).toEqual([
      { type: "token", text: "Attention weighs" },
      { type: "token", text: " the input [p. 3]." },
      { type: "answer", result },
    ]);
    expect(requests[0]?.method).toBe("POST");
    expect(requests[0]?.path).toBe("/api/v1/projects/prj_1/ask");
    expect(requests[0]?.headers.accept).toBe("text/event-stream");
    expect(JSON.parse(requests[0]!.body.toString())).toEqual({ question: "What does attention do?" });
  });

  it("when the server reports an error mid-stream, then iteration rejects with the matching ApiError", async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`event: token\ndata: {"text":"Att"}\n\n`);
      res.write(
        `event: error\ndata: ${JSON.stringify({ type: "about:blank", status: 503, code: "llm_unavailable", detail: "model offline" })}\n\n`,
      );
      res.end();
    });

    const tokens: string[] = [];
    const iterate = async () => {
      for await (const item of client.projects.askStream("prj_1", { question: "anything?" }))
        if (item.type === "token") tokens.push(item.text);
    };

    await expect(iterate()).rejects.toMatchObject({ status: 503, detail: "model offline" });
    expect(tokens).toEqual(["Att"]);
  });

  it("when the stream ends without an answer, then iteration rejects", async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`event: token\ndata: {"text":"Att"}\n\n`);
    });

    const items: unknown[] = [];
    const iterate = async () => {
      for await (const item of client.projects.askStream("prj_1", { question: "anything?" }))
        items.push(item);
    };

    await expect(iterate()).rejects.toThrow(/ended without an answer/);
    expect(items).toEqual([{ type: "token", text: "Att" }]);
  });

  it("when asked without streaming, then the JSON answer is returned", async () => {
    const { client, requests } = await serve((_req, res) => {
      json(res, 200, result);
    });

    await expect(client.projects.ask("prj_1", { question: "What does attention do?" })).resolves.toEqual(
      result,
    );
    expect(requests[0]?.headers.accept).toBe("application/json");
  });
});

describe("waitUntilDone", () => {
  it("when an event announces the change, then the document is re-fetched and returned once ready", async () => {
    let status: Document["status"] = "processing";
    const { client } = await serve((req, res) => {
      if (req.path.endsWith("/events")) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        setTimeout(() => {
          status = "ready";
          res.write(sse(makeEvent(9, { type: "document.status", data: { status: "ready" } })));
        }, 100);
        return;
      }
      json(
        res,
        200,
        makeDocument({
          status,
          progress: status === "ready" ? null : { stage: "extracting", done: 1, total: 3 },
        }),
      );
    });
    const seen: string[] = [];
    const started = Date.now();

    const doc = await client.documents.waitUntilDone("doc_1", { onProgress: (d) => seen.push(d.status) });

    expect(doc.status).toBe("ready");
    expect(seen).toEqual(["processing", "ready"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("when the event stream is unavailable, then it falls back to polling", async () => {
    let gets = 0;
    const { client } = await serve((req, res) => {
      if (req.path.endsWith("/events")) {
        problem(res, 404, "not_found", "no events here");
        return;
      }
      gets++;
      json(res, 200, makeDocument({ status: gets < 3 ? "indexing" : "ready" }));
    });

    const doc = await client.documents.waitUntilDone("doc_1", { pollInterval: 20 });

    expect(doc.status).toBe("ready");
    expect(gets).toBe(3);
  });

  it("when processing fails, then ProcessingFailedError carries the job's code", async () => {
    const { client } = await serve((_req, res) => {
      json(
        res,
        200,
        makeDocument({
          status: "failed",
          error: { code: "password_required", detail: "The PDF is encrypted." },
        }),
      );
    });

    await expect(client.documents.waitUntilDone("doc_1")).rejects.toThrow(ProcessingFailedError);
    await expect(client.documents.waitUntilDone("doc_1")).rejects.toMatchObject({
      code: "password_required",
    });
  });

  it("when the host cannot stream, then long-poll mode uses events.list", async () => {
    let ready = false;
    const { client, requests } = await serve((req, res) => {
      if (req.path.endsWith("/events")) {
        ready = true;
        json(res, 200, {
          items: [makeEvent(1, { noteId: "note_1", documentId: null, type: "note.ready" })],
          lastEventId: "1",
        });
        return;
      }
      json(res, 200, {
        id: "note_1",
        projectId: "prj_1",
        documentId: "doc_1",
        template: "summary",
        language: "en",
        status: ready ? "ready" : "pending",
        title: null,
        markdown: ready ? "# x" : "",
        contentHash: null,
        revision: 1,
        generator: null,
        citations: null,
        error: null,
        createdAt: "2026-11-28T15:30:00.000Z",
        updatedAt: "2026-11-28T15:30:00.000Z",
      });
    });

    const note = await client.notes.waitUntilDone("note_1", { events: "long-poll" });

    expect(note.status).toBe("ready");
    expect(requests.some((r) => r.path === "/api/v1/events" && r.query.get("wait") === "25")).toBe(true);
  });
});
