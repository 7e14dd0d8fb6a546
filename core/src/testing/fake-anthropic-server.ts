import {
  ANTHROPIC_WIRE,
  startFakeLlmServer,
  type FakeLlmServer,
  type FakeScript,
} from "./fake-llm-server.ts";

/** A local server speaking the Anthropic Messages API, scripted per test. SDK `baseURL` = `url`. */
export function startFakeAnthropicServer(
  options: { apiKey?: string; model?: string; script?: FakeScript } = {},
): Promise<FakeLlmServer> {
  return startFakeLlmServer(ANTHROPIC_WIRE, {
    apiKey: options.apiKey ?? "sk-ant-test",
    model: options.model ?? "claude-test",
    ...(options.script ? { script: options.script } : {}),
  });
}
