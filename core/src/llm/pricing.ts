import type { LlmUsage } from "../ports/llm-provider.ts";

/** USD per million tokens (input, output). Prefix-matched on the model id; list prices, 2025. */
const PRICES: { provider: string; prefix: string; input: number; output: number }[] = [
  { provider: "anthropic", prefix: "claude-opus-4", input: 15, output: 75 },
  { provider: "anthropic", prefix: "claude-sonnet-4", input: 3, output: 15 },
  { provider: "anthropic", prefix: "claude-3-7-sonnet", input: 3, output: 15 },
  { provider: "anthropic", prefix: "claude-3-5-sonnet", input: 3, output: 15 },
  { provider: "anthropic", prefix: "claude-haiku-4", input: 1, output: 5 },
  { provider: "anthropic", prefix: "claude-3-5-haiku", input: 0.8, output: 4 },
  { provider: "openai", prefix: "gpt-4o-mini", input: 0.15, output: 0.6 },
  { provider: "openai", prefix: "gpt-4o", input: 2.5, output: 10 },
  { provider: "openai", prefix: "gpt-4.1-nano", input: 0.1, output: 0.4 },
  { provider: "openai", prefix: "gpt-4.1-mini", input: 0.4, output: 1.6 },
  { provider: "openai", prefix: "gpt-4.1", input: 2, output: 8 },
  { provider: "openai", prefix: "gpt-5-mini", input: 0.25, output: 2 },
  { provider: "openai", prefix: "gpt-5", input: 1.25, output: 10 },
];

/** The price of a model in USD per million tokens; 0 offline and on self-hosted servers; null when unknown. */
export function priceOf(provider: string, model: string): { input: number; output: number } | null {
  if (provider === "extractive" || provider === "openai-compatible") return { input: 0, output: 0 };
  const row = PRICES.filter((p) => p.provider === provider && model.startsWith(p.prefix)).sort(
    (a, b) => b.prefix.length - a.prefix.length,
  )[0];
  return row ? { input: row.input, output: row.output } : null;
}

/** What `usage` costs with this model, in USD; null when the price is unknown. */
export function costOf(provider: string, model: string, usage: LlmUsage): number | null {
  const price = priceOf(provider, model);
  if (!price) return null;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}

/** Rough token count of text: ~4 characters per token for Latin script, ~1 per CJK character. */
export function estimateTokens(text: string): number {
  const cjk = (text.match(/[\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF]/gu) ?? []).length;
  return Math.ceil((text.length - cjk) / 4 + cjk);
}
