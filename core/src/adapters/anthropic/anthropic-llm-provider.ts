import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "@anthropic-ai/sdk";
import { isAppError } from "../../errors/app-error.ts";
import { llmError, refused, streamCut } from "../../llm/llm-errors.ts";
import type {
  LlmCompletion,
  LlmProvider,
  LlmRequest,
  LlmStreamEvent,
  LlmUsage,
} from "../../ports/llm-provider.ts";

export interface AnthropicProviderOptions {
  apiKey: string;
  model: string;
  /** Default: the SDK's (https://api.anthropic.com). */
  baseURL?: string | undefined;
  timeoutS: number;
  /** Retries inside the SDK per request (429/529/5xx/timeouts, honouring retry-after). */
  maxRetries: number;
}

/** Claude through the Messages API (@anthropic-ai/sdk). */
export class AnthropicLlmProvider implements LlmProvider {
  readonly provider = "anthropic";
  readonly model: string;
  private readonly client: Anthropic;
  private readonly timeoutS: number;

  constructor(options: AnthropicProviderOptions) {
    this.model = options.model;
    this.timeoutS = options.timeoutS;
    this.client = new Anthropic({
      apiKey: options.apiKey,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      timeout: options.timeoutS * 1000,
      maxRetries: options.maxRetries,
      // The SDK would otherwise log request details at its own level; ours says what failed.
      logLevel: "off",
    });
  }

  async complete(request: LlmRequest): Promise<LlmCompletion> {
    try {
      const message = await this.client.messages.create(this.params(request), {
        signal: request.signal ?? null,
      });
      if (message.stop_reason === "refusal") throw refused(this.provider, "refusal");
      const text = message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
      return {
        text,
        model: message.model,
        usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
      };
    } catch (error) {
      throw this.translate(error);
    }
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    let text = "";
    let model = this.model;
    const usage: LlmUsage = { inputTokens: 0, outputTokens: 0 };
    let complete = false;
    let stopReason: string | null = null;
    try {
      const events = await this.client.messages.create(
        { ...this.params(request), stream: true },
        { signal: request.signal ?? null },
      );
      for await (const event of events) {
        switch (event.type) {
          case "message_start":
            model = event.message.model;
            usage.inputTokens = event.message.usage.input_tokens;
            usage.outputTokens = event.message.usage.output_tokens;
            break;
          case "content_block_delta":
            if (event.delta.type === "text_delta") {
              text += event.delta.text;
              yield { type: "delta", text: event.delta.text };
            }
            break;
          case "message_delta":
            usage.outputTokens = event.usage.output_tokens;
            stopReason = event.delta.stop_reason;
            break;
          case "message_stop":
            complete = true;
            break;
          case "content_block_start":
          case "content_block_stop":
            break;
        }
      }
    } catch (error) {
      if (isAppError(error)) throw error;
      if (error instanceof APIError || error instanceof APIUserAbortError) throw this.translate(error);
      // The body stopped mid-event (connection reset, malformed SSE).
      throw streamCut(this.provider, error);
    }
    if (!complete) throw streamCut(this.provider);
    if (stopReason === "refusal") throw refused(this.provider, "refusal");
    yield { type: "done", text, usage, model };
  }

  private params(request: LlmRequest) {
    return {
      model: this.model,
      max_tokens: request.maxTokens,
      system: request.system,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    };
  }

  private translate(error: unknown) {
    if (isAppError(error)) return error;
    const kind =
      error instanceof APIUserAbortError
        ? "aborted"
        : error instanceof APIConnectionTimeoutError
          ? "timeout"
          : error instanceof APIConnectionError
            ? "connection"
            : error instanceof APIError
              ? "http"
              : "other";
    const api = error instanceof APIError ? (error as { status?: number; error?: unknown }) : undefined;
    const body = api?.error as { error?: { message?: unknown } } | undefined;
    const message = typeof body?.error?.message === "string" ? body.error.message : undefined;
    return llmError(this.provider, this.model, { kind, status: api?.status, message }, this.timeoutS, error);
  }
}
