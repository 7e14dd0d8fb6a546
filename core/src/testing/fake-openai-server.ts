import { OPENAI_WIRE, startFakeLlmServer, type FakeLlmServer, type FakeScript } from "./fake-llm-server.ts";

/** A local server speaking OpenAI Chat Completions, scripted per test. SDK `baseURL` = `${url}/v1`. */
export function startFakeOpenAiServer(
  options: { apiKey?: string; model?: string; script?: FakeScript } = {},
): Promise<FakeLlmServer> {
  return startFakeLlmServer(OPENAI_WIRE, {
    apiKey: options.apiKey ?? "sk-openai-test",
    model: options.model ?? "gpt-test",
    ...(options.script ? { script: options.script } : {}),
  });
}
