import { describe, expect, it } from "vitest";
import { ConfigError, parseCoreConfig } from "../config.ts";
import { ExtractiveNoteGenerator } from "../notes/index.ts";
import { createLlmProvider, LlmProviders } from "../wiring.ts";

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

  describe("a project's own provider", () => {
    const deployment = (env: Record<string, string>) => {
      const config = parseCoreConfig({ DATA_DIR: "/tmp/x", ...env });
      return new LlmProviders(config, { llm: null, generator: new ExtractiveNoteGenerator() });
    };

    it("when a project chooses a configured provider and model, then its notes are written by that model", async () => {
      const providers = deployment({ OPENAI_API_KEY: "sk-secret-1" });

      const { llm, generator } = await providers.forProject({
        llm: { provider: "openai", model: "gpt-4.1" },
      });
      const fallback = await providers.forProject({ llm: null });

      expect([llm?.provider, llm?.model]).toEqual(["openai", "gpt-4.1"]);
      expect([generator.provider, generator.model]).toEqual(["openai", "gpt-4.1"]);
      expect(fallback.generator.provider).toBe("extractive");
    });

    it("when the server has lost the key a project's choice needs, then its notes fail with llm_misconfigured naming the variable", async () => {
      const providers = deployment({});

      const error = await providers.forProject({ llm: { provider: "anthropic" } }).catch((e: unknown) => e);

      expect(error).toMatchObject({ code: "llm_misconfigured", unrecoverable: true });
      expect((error as Error & { detail: string }).detail).toMatch(/ANTHROPIC_API_KEY/);
    });

    it("when openai-compatible is chosen with a model but the server has no default model, then it is accepted", () => {
      const providers = deployment({ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" });

      expect(() =>
        providers.assertAvailable({ provider: "openai-compatible", model: "llama3.1" }),
      ).not.toThrow();
      expect(() => providers.assertAvailable({ provider: "openai-compatible" })).toThrow(/OPENAI_MODEL/);
    });
  });
});
