/**
 * The Anthropic and OpenAI adapters against local servers speaking each provider's wire format
 * (fake-anthropic-server / fake-openai-server on 127.0.0.1:0), scripted per test: retries,
 * exhausted attempts, cut streams, invalid JSON, timeouts, bad keys, unknown models, cancellation.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AnthropicLlmProvider } from "../adapters/anthropic/anthropic-llm-provider.ts";
import { OpenAiLlmProvider } from "../adapters/openai/openai-llm-provider.ts";
import { AppError } from "../errors/app-error.ts";
import type { LlmProvider, LlmStreamEvent } from "../ports/llm-provider.ts";
import { startFakeAnthropicServer } from "../testing/fake-anthropic-server.ts";
import type { FakeLlmServer, FakeScript } from "../testing/fake-llm-server.ts";
import { startFakeOpenAiServer } from "../testing/fake-openai-server.ts";
import { completeJson } from "./structured-output.ts";

interface Flavour {
  name: string;
  start(script?: FakeScript): Promise<FakeLlmServer>;
  provider(
    server: FakeLlmServer,
    options?: { key?: string; timeoutS?: number; maxRetries?: number },
  ): LlmProvider;
}

const flavours: Flavour[] = [
  {
    name: "Anthropic Messages API (fake-anthropic-server)",
    start: (script) => startFakeAnthropicServer(script ? { script } : {}),
    provider: (server, o = {}) =>
      new AnthropicLlmProvider({
        apiKey: o.key ?? "sk-ant-test",
        model: "claude-test",
        baseURL: server.url,
        timeoutS: o.timeoutS ?? 10,
        maxRetries: o.maxRetries ?? 2,
      }),
  },
  {
    name: "OpenAI Chat Completions (fake-openai-server)",
    start: (script) => startFakeOpenAiServer(script ? { script } : {}),
    provider: (server, o = {}) =>
      new OpenAiLlmProvider({
        provider: "openai",
        apiKey: o.key ?? "sk-openai-test",
        model: "gpt-test",
        baseURL: `${server.url}/v1`,
        timeoutS: o.timeoutS ?? 10,
        maxRetries: o.maxRetries ?? 2,
      }),
  },
];

const ask = { system: "Be brief.", messages: [{ role: "user" as const, content: "Hello" }], maxTokens: 100 };

async function collect(stream: AsyncIterable<LlmStreamEvent>): Promise<LlmStreamEvent[]> {
  const out: LlmStreamEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected a failure");
}

describe.each(flavours)("$name", (flavour) => {
  let server: FakeLlmServer;
  afterEach(async () => {
    await server.close();
  });

  it("when the server answers, then the text, usage and model come back", async () => {
    server = await flavour.start(() => ({ kind: "text", text: "Hi there." }));

    const res = await flavour.provider(server).complete(ask);

    expect(res.text).toBe("Hi there.");
    expect(res.usage.inputTokens).toBeGreaterThan(0);
    expect(res.usage.outputTokens).toBeGreaterThan(0);
    expect(res.model).toMatch(/test/);
  });

  it("when the first answer is 429 with retry-after, then the SDK retries and the call succeeds", async () => {
    server = await flavour.start((_r, i) =>
      i === 0
        ? { kind: "error", status: 429, headers: { "retry-after": "0" } }
        : { kind: "text", text: "ok" },
    );

    const res = await flavour.provider(server).complete(ask);

    expect(res.text).toBe("ok");
    expect(server.requests).toHaveLength(2);
  });

  it("when every answer is 500, then retries stop after maxRetries and the error says why", async () => {
    server = await flavour.start(() => ({ kind: "error", status: 500, message: "boom" }));

    const error = await failure(flavour.provider(server, { maxRetries: 2 }).complete(ask));

    expect(server.requests).toHaveLength(3);
    expect(error.code).toBe("llm_unavailable");
    expect(error.unrecoverable).toBe(false);
    expect(error.detail).toMatch(/HTTP 500.*retries ran out/);
  });

  it("when the API key is wrong, then it is a clear llm_misconfigured error, not retried, key not echoed", async () => {
    server = await flavour.start(() => ({ kind: "text", text: "never" }));

    const error = await failure(flavour.provider(server, { key: "sk-wrong-secret" }).complete(ask));

    expect(error.code).toBe("llm_misconfigured");
    expect(error.status).toBe(502);
    expect(error.unrecoverable).toBe(true);
    expect(error.detail).toMatch(/rejected the API key \(HTTP 401\)/);
    expect(error.detail).not.toContain("sk-wrong-secret");
  });

  it("when the model is unknown (404), then the error names the model", async () => {
    server = await flavour.start(() => ({ kind: "error", status: 404, message: "model not found" }));

    const error = await failure(flavour.provider(server).complete(ask));

    expect(error.code).toBe("llm_misconfigured");
    expect(error.detail).toMatch(/does not know the model "(claude|gpt)-test"/);
  });

  it("when the server never answers, then the call times out with a readable reason", async () => {
    server = await flavour.start(() => ({ kind: "hang" }));

    const error = await failure(flavour.provider(server, { timeoutS: 0.3, maxRetries: 0 }).complete(ask));

    expect(error.code).toBe("llm_unavailable");
    expect(error.detail).toMatch(/did not answer within 0.3 s/);
  });

  it("when the caller aborts, then the request is cancelled", async () => {
    server = await flavour.start(() => ({ kind: "hang" }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    const error = await failure(flavour.provider(server).complete({ ...ask, signal: controller.signal }));

    expect(error.detail).toMatch(/cancelled/);
  });

  it("when streaming, then deltas arrive in order and one done carries the text and usage", async () => {
    const text = "A streamed answer that is long enough to be cut into several deltas by the server.";
    server = await flavour.start(() => ({ kind: "text", text }));

    const events = await collect(flavour.provider(server).stream(ask));

    const deltas = events.filter((e) => e.type === "delta").map((e) => (e as { text: string }).text);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(text);
    const done = events.at(-1)!;
    expect(done.type).toBe("done");
    expect(done.type === "done" && done.text).toBe(text);
    expect(done.type === "done" && done.usage.outputTokens).toBeGreaterThan(0);
    expect(server.requests[0]!.stream).toBe(true);
  });

  it("when the stream is cut halfway, then the iterable throws and no done event is produced", async () => {
    server = await flavour.start(() => ({
      kind: "cut",
      text: "This answer will never be finished because the connection drops halfway through.",
      afterDeltas: 1,
    }));
    const seen: LlmStreamEvent[] = [];

    const error = await failure(
      (async () => {
        for await (const e of flavour.provider(server).stream(ask)) seen.push(e);
      })(),
    );

    expect(error.code).toBe("llm_unavailable");
    expect(error.detail).toMatch(/stream ended before it was complete/);
    expect(seen.some((e) => e.type === "done")).toBe(false);
  });

  it("when JSON is asked for and the reply is invalid once, then one repair turn fixes it", async () => {
    server = await flavour.start((_r, i) => ({
      kind: "text",
      text: i === 0 ? "Sure! {not json" : '{"a": 1}',
    }));

    const res = await completeJson(flavour.provider(server), ask, z.object({ a: z.number() }));

    expect(res.value).toEqual({ a: 1 });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.prompt).toMatch(/not valid JSON/);
  });

  it("when JSON is asked for and both replies are invalid, then the failure is llm_invalid_output", async () => {
    server = await flavour.start(() => ({ kind: "text", text: '{"a": "not a number"}' }));

    const error = await failure(completeJson(flavour.provider(server), ask, z.object({ a: z.number() })));

    expect(error.code).toBe("llm_invalid_output");
    expect(error.detail).toMatch(/not the required shape \(a:/);
    expect(server.requests).toHaveLength(2);
  });
});
