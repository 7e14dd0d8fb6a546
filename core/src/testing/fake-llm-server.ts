import http from "node:http";
import type { AddressInfo } from "node:net";

/** A provider request body, read loosely. */
export type FakeBody = {
  model?: unknown;
  stream?: unknown;
  system?: unknown;
  messages?: { content: unknown }[];
} & Record<string, unknown>;

/** One request a fake provider server received. */
export interface FakeLlmRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: FakeBody;
  /** True when the client asked for a stream. */
  stream: boolean;
  /** The whole prompt as one string (system + messages), for assertions. */
  prompt: string;
}

/** What the scripted server answers to one request. */
export type FakeReply =
  /**
   * A successful answer (streamed as SSE when the request asked for a stream). `onSent` runs once
   * the whole answer has been handed to the OS (the response's `finish`), e.g. to kill the client
   * right after the provider has delivered, and charged for, a complete answer.
   */
  | { kind: "text"; text: string; stopReason?: string; delayMs?: number; onSent?: () => void }
  /** An HTTP error in the provider's error format. */
  | { kind: "error"; status: number; message?: string; headers?: Record<string, string> }
  /** A stream that sends `afterDeltas` text deltas of `text`, then drops the connection. */
  | { kind: "cut"; text: string; afterDeltas: number }
  /** Never answers (the client's timeout fires). */
  | { kind: "hang" };

export type FakeScript = (request: FakeLlmRequest, index: number) => FakeReply;

/** A local HTTP server speaking one provider's wire format, answering as scripted. */
export interface FakeLlmServer {
  /** Base URL to give the provider SDK (`baseURL`). */
  url: string;
  /** Every request received, in order. */
  requests: FakeLlmRequest[];
  /** Replaces the script. */
  script(fn: FakeScript): void;
  close(): Promise<void>;
}

/** How one provider writes answers and errors on the wire. */
export interface WireFormat {
  path: string;
  /** The API key the request carries (x-api-key or Bearer). */
  keyOf(headers: http.IncomingHttpHeaders): string | undefined;
  promptOf(body: FakeLlmRequest["body"]): string;
  errorBody(status: number, message: string): unknown;
  message(text: string, model: string, usage: Usage, stopReason: string | undefined): unknown;
  /** SSE frames (already formatted) of a streamed answer, split into text deltas. */
  streamFrames(
    deltas: string[],
    model: string,
    usage: Usage,
    stopReason: string | undefined,
  ): { head: string[]; deltas: string[]; tail: string[] };
}

export interface Usage {
  input: number;
  output: number;
}

/** Splits text into a few deltas, as providers stream it. */
export function toDeltas(text: string): string[] {
  const parts = text.match(/[\s\S]{1,40}/g) ?? [""];
  return parts;
}

/** Starts a fake provider on 127.0.0.1:0. Requests with a key other than `apiKey` get a 401. */
export async function startFakeLlmServer(
  wire: WireFormat,
  options: { apiKey: string; model: string; script?: FakeScript },
): Promise<FakeLlmServer> {
  let script: FakeScript = options.script ?? (() => ({ kind: "text", text: "{}" }));
  const requests: FakeLlmRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const body: FakeBody = raw ? (JSON.parse(raw) as FakeBody) : {};
      const sendJson = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(value));
      };
      if (req.method !== "POST" || req.url?.split("?")[0] !== wire.path) {
        sendJson(404, wire.errorBody(404, `no route ${req.method} ${req.url}`));
        return;
      }
      if (wire.keyOf(req.headers) !== options.apiKey) {
        sendJson(401, wire.errorBody(401, "invalid x-api-key"));
        return;
      }
      const request: FakeLlmRequest = {
        path: wire.path,
        headers: req.headers,
        body,
        stream: body.stream === true,
        prompt: wire.promptOf(body),
      };
      requests.push(request);
      const reply = script(request, requests.length - 1);
      const usage: Usage = { input: Math.ceil(request.prompt.length / 4), output: 0 };
      const model = typeof body.model === "string" ? body.model : options.model;
      switch (reply.kind) {
        case "hang":
          hanging.add(res);
          return;
        case "error":
          sendJson(reply.status, wire.errorBody(reply.status, reply.message ?? "scripted error"), {
            // Keep retries in tests quick unless the test sets its own header.
            "retry-after-ms": "5",
            ...reply.headers,
          });
          return;
        case "text":
        case "cut": {
          usage.output = Math.ceil(reply.text.length / 4);
          const respond = () => {
            if (reply.kind === "text" && reply.onSent) res.once("finish", reply.onSent);
            if (!request.stream && reply.kind === "text") {
              sendJson(200, wire.message(reply.text, model, usage, reply.stopReason));
              return;
            }
            const frames = wire.streamFrames(
              toDeltas(reply.text),
              model,
              usage,
              reply.kind === "text" ? reply.stopReason : undefined,
            );
            res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
            for (const f of frames.head) res.write(f);
            if (reply.kind === "cut") {
              for (const f of frames.deltas.slice(0, reply.afterDeltas)) res.write(f);
              // Drop the connection mid-answer.
              setTimeout(() => res.socket?.destroy(), 10);
              return;
            }
            for (const f of frames.deltas) res.write(f);
            for (const f of frames.tail) res.write(f);
            res.end();
          };
          if (reply.kind === "text" && reply.delayMs) setTimeout(respond, reply.delayMs);
          else respond();
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(fn) {
      script = fn;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const sse = (event: string | null, data: unknown) =>
  `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

const contentText = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? (content as { text?: string }[]).map((b) => b.text ?? "").join("")
      : "";

/** The Anthropic Messages API (`POST /v1/messages`), streaming included. */
export const ANTHROPIC_WIRE: WireFormat = {
  path: "/v1/messages",
  // The SDK sends `x-api-key`, or `Authorization: Bearer` in its newer versions.
  keyOf: (h) =>
    typeof h["x-api-key"] === "string" ? h["x-api-key"] : h.authorization?.replace(/^Bearer\s+/i, ""),
  promptOf: (body) =>
    [contentText(body.system), ...(body.messages ?? []).map((m) => contentText(m.content))].join("\n"),
  errorBody: (status, message) => ({
    type: "error",
    error: {
      type:
        status === 401
          ? "authentication_error"
          : status === 404
            ? "not_found_error"
            : status === 429
              ? "rate_limit_error"
              : status === 529
                ? "overloaded_error"
                : status >= 500
                  ? "api_error"
                  : "invalid_request_error",
      message,
    },
  }),
  message: (text, model, usage, stopReason) => ({
    id: "msg_fake",
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: stopReason ?? "end_turn",
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  }),
  streamFrames: (deltas, model, usage, stopReason) => ({
    head: [
      sse("message_start", {
        type: "message_start",
        message: {
          id: "msg_fake",
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: usage.input, output_tokens: 1 },
        },
      }),
      sse("content_block_start", {
        type: "content_block_start",
        index: 0,
        content_block: { type: "text", text: "" },
      }),
    ],
    deltas: deltas.map((d) =>
      sse("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: d },
      }),
    ),
    tail: [
      sse("content_block_stop", { type: "content_block_stop", index: 0 }),
      sse("message_delta", {
        type: "message_delta",
        delta: { stop_reason: stopReason ?? "end_turn", stop_sequence: null },
        usage: { output_tokens: usage.output },
      }),
      sse("message_stop", { type: "message_stop" }),
    ],
  }),
};

/** OpenAI Chat Completions (`POST /v1/chat/completions`), streaming with `[DONE]` included. */
export const OPENAI_WIRE: WireFormat = {
  path: "/v1/chat/completions",
  keyOf: (h) => h.authorization?.replace(/^Bearer\s+/i, ""),
  promptOf: (body) => (body.messages ?? []).map((m) => contentText(m.content)).join("\n"),
  errorBody: (status, message) => ({
    error: {
      message: status === 401 ? "Incorrect API key provided" : message,
      type:
        status === 401 ? "invalid_request_error" : status === 429 ? "rate_limit_exceeded" : "server_error",
      code: status === 401 ? "invalid_api_key" : status === 404 ? "model_not_found" : null,
      param: null,
    },
  }),
  message: (text, model, usage, stopReason) => ({
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 0,
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text, refusal: null },
        finish_reason: stopReason ?? "stop",
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
    },
  }),
  streamFrames: (deltas, model, usage, stopReason) => {
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      id: "chatcmpl-fake",
      object: "chat.completion.chunk",
      created: 0,
      model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    return {
      head: [sse(null, chunk({ role: "assistant", content: "" }, null))],
      deltas: deltas.map((d) => sse(null, chunk({ content: d }, null))),
      tail: [
        sse(null, chunk({}, stopReason ?? "stop")),
        sse(null, {
          id: "chatcmpl-fake",
          object: "chat.completion.chunk",
          created: 0,
          model,
          choices: [],
          usage: {
            prompt_tokens: usage.input,
            completion_tokens: usage.output,
            total_tokens: usage.input + usage.output,
          },
        }),
        sse(null, "[DONE]"),
      ],
    };
  },
};
