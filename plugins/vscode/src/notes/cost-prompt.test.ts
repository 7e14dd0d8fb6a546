import { describe, expect, it } from "vitest";
import { costPrompt } from "./cost-prompt.ts";

const paid = {
  provider: "openai",
  model: "gpt-4o-mini",
  inputTokens: 12345,
  outputTokens: 2000,
  costUsd: 0.00305,
  cached: false,
};

describe("costPrompt", () => {
  it("when a paid provider would run, then the prompt names provider/model, tokens and the cost with 4 decimals", () => {
    expect(costPrompt(paid)).toBe(
      "Generating this note with openai/gpt-4o-mini will use about 12345 input and up to 2000 output tokens (≈ $0.0031). Generate?",
    );
  });

  it("when the extractive generator runs (costUsd null), then there is no prompt", () => {
    expect(costPrompt({ ...paid, provider: "extractive", model: "extractive", costUsd: null })).toBeNull();
  });

  it("when the price is unknown or zero, then there is no prompt", () => {
    expect(costPrompt({ ...paid, costUsd: null })).toBeNull();
    expect(costPrompt({ ...paid, costUsd: 0 })).toBeNull();
  });

  it("when an identical note is cached, then there is no prompt even for a paid provider", () => {
    expect(costPrompt({ ...paid, cached: true })).toBeNull();
  });
});
