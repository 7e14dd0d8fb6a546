import type { z } from "zod";
import { AppError } from "../errors/app-error.ts";
import type { LlmCompletion, LlmMessage, LlmProvider, LlmRequest, LlmUsage } from "../ports/llm-provider.ts";

/** Parses a model's reply as JSON: code fences and prose around the outermost object are tolerated. */
export function parseJsonReply(text: string): unknown {
  const unfenced = text.replace(/^\s*```(?:json)?\s*/i, "").replace(/\s*```\s*$/, "");
  try {
    return JSON.parse(unfenced);
  } catch {
    const start = unfenced.indexOf("{");
    const end = unfenced.lastIndexOf("}");
    if (start < 0 || end <= start) throw new SyntaxError("no JSON object in the reply");
    return JSON.parse(unfenced.slice(start, end + 1));
  }
}

function describe(error: unknown): string {
  if (error instanceof SyntaxError) return `not valid JSON (${error.message})`;
  const issues = (error as z.ZodError).issues;
  if (Array.isArray(issues) && issues[0]) {
    const i = issues[0];
    return `not the required shape (${i.path.join(".") || "root"}: ${i.message})`;
  }
  return "not the required shape";
}

/**
 * Asks for JSON and validates it with `schema`. A reply that does not parse or validate gets one
 * repair turn (the reply and what was wrong with it go back to the model); a second bad reply is an
 * `llm_invalid_output` error. Usage of both calls is returned.
 */
export async function completeJson<T>(
  llm: LlmProvider,
  request: LlmRequest,
  schema: z.ZodType<T>,
  options: { stream?: boolean } = {},
): Promise<{ value: T; usage: LlmUsage; model: string }> {
  const usage: LlmUsage = { inputTokens: 0, outputTokens: 0 };
  let messages: LlmMessage[] = request.messages;
  let lastProblem = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    const reply = options.stream
      ? await collectStream(llm, { ...request, messages, json: true })
      : await llm.complete({ ...request, messages, json: true });
    usage.inputTokens += reply.usage.inputTokens;
    usage.outputTokens += reply.usage.outputTokens;
    try {
      return { value: schema.parse(parseJsonReply(reply.text)), usage, model: reply.model };
    } catch (error) {
      lastProblem = describe(error);
      messages = [
        ...request.messages,
        { role: "assistant", content: reply.text.slice(0, 20_000) },
        {
          role: "user",
          content: `Your reply was ${lastProblem}. Reply again with only the JSON object in the required shape, nothing else.`,
        },
      ];
    }
  }
  throw new AppError(
    "llm_invalid_output",
    `${llm.provider} (${llm.model}) did not return the structured answer asked for, even after a repair request: its reply was ${lastProblem}.`,
  );
}

/** The whole of a streamed answer; a cut stream throws before anything is returned. */
export async function collectStream(llm: LlmProvider, request: LlmRequest): Promise<LlmCompletion> {
  for await (const event of llm.stream(request)) {
    if (event.type === "done") return { text: event.text, usage: event.usage, model: event.model };
  }
  throw new AppError("llm_unavailable", `The ${llm.provider} answer stream ended without completing.`);
}
