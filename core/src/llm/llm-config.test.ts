import { describe, expect, it } from "vitest";
import { ConfigError, parseCoreConfig } from "../config.ts";
import { createLlmProvider } from "../wiring.ts";

const problems = (env: Record<string, string>): string => {
  try {
    parseCoreConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return "";
};

describe("LLM configuration", () => {
  it("when anthropic is chosen without a key, then boot fails naming the variable and no value", () => {
    expect(problems({ LLM_PROVIDER: "anthropic" })).toMatch(
      /ANTHROPIC_API_KEY: required when LLM_PROVIDER=anthropic/,
    );
  });

  it("when openai-compatible lacks its URL and model and a store URL is malformed, then every problem is listed", () => {
    const listed = problems({ LLM_PROVIDER: "openai-compatible", MONGODB_URL: "postgres://x" });

    expect(listed.split("\n")).toHaveLength(3);
    expect(listed).toMatch(/OPENAI_BASE_URL/);
    expect(listed).toMatch(/OPENAI_MODEL/);
    expect(listed).toMatch(/MONGODB_URL/);
  });

  it("when a provider is fully configured, then it is wired with its model and the key is nowhere in the config error path", async () => {
    const config = parseCoreConfig({
      LLM_PROVIDER: "openai",
      OPENAI_API_KEY: "sk-secret-1",
      DATA_DIR: "/tmp/x",
    });

    const llm = await createLlmProvider(config);

    expect(llm?.provider).toBe("openai");
    expect(llm?.model).toBe("gpt-4o-mini");
    expect(problems({ LLM_PROVIDER: "bogus", OPENAI_API_KEY: "sk-secret-1" })).not.toContain("sk-secret-1");
  });
});
