import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { isAppError } from "../../errors/app-error.ts";
import { llmError, refused, streamCut } from "../../llm/llm-errors.ts";
import type {
  LlmCompletion,
  LlmProvider,
  LlmRequest,
  LlmStreamEvent,
  LlmUsage,
} from "../../ports/llm-provider.ts";

export interface OpenAiProviderOptions {
  /** `openai`, or `openai-compatible` for Ollama, vLLM, LM Studio… */
  provider: "openai" | "openai-compatible";
  /** Optional for local servers, which ignore it. */
  apiKey?: string | undefined;
  model: string;
  baseURL?: string | undefined;
  timeoutS: number;
  /** Retries inside the SDK per request (429/5xx/timeouts, honouring retry-after). */
  maxRetries: number;
}

/** Chat Completions through the `openai` SDK: OpenAI itself or any OpenAI-compatible server. */
export class OpenAiLlmProvider implements LlmProvider {
  readonly provider: string;
  readonly model: string;
  private readonly client: OpenAI;
  private readonly timeoutS: number;
  private readonly compatible: boolean;

  constructor(options: OpenAiProviderOptions) {
    this.provider = options.provider;
    this.model = options.model;
    this.timeoutS = options.timeoutS;
    this.compatible = options.provider === "openai-compatible";
    this.client = new OpenAI({
      // Local servers accept any key; the SDK insists on one being set.
      apiKey: options.apiKey ?? "not-needed",
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      timeout: options.timeoutS * 1000,
      maxRetries: options.maxRetries,
      logLevel: "off",
    });
  }

  async complete(request: LlmRequest): Promise<LlmCompletion> {
    try {
      const res = await this.client.chat.completions.create(this.params(request), {
        signal: request.signal ?? null,
      });
      const choice = res.choices[0];
      if (!choice) throw refused(this.provider, "no answer");
      if (choice.finish_reason === "content_filter") throw refused(this.provider, "content filter");
      if (choice.message.refusal) throw refused(this.provider, "refusal");
      return {
        text: choice.message.content ?? "",
        model: res.model || this.model,
        usage: {
          inputTokens: res.usage?.prompt_tokens ?? 0,
          outputTokens: res.usage?.completion_tokens ?? 0,
        },
      };
    } catch (error) {
      throw this.translate(error);
    }
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    let text = "";
    let model = this.model;
    const usage: LlmUsage = { inputTokens: 0, outputTokens: 0 };
    let finish: string | null = null;
    try {
      const chunks = await this.client.chat.completions.create(
        { ...this.params(request), stream: true, stream_options: { include_usage: true } },
        { signal: request.signal ?? null },
      );
      for await (const chunk of chunks) {
        if (chunk.model) model = chunk.model;
        if (chunk.usage) {
          usage.inputTokens = chunk.usage.prompt_tokens;
          usage.outputTokens = chunk.usage.completion_tokens;
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta.content;
        if (delta) {
          text += delta;
          yield { type: "delta", text: delta };
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    } catch (error) {
      if (isAppError(error)) throw error;
      if (error instanceof APIError || error instanceof APIUserAbortError) throw this.translate(error);
      throw streamCut(this.provider, error);
    }
    // A stream that ends without a finish reason was cut (the SDK stops quietly at EOF).
    if (!finish) throw streamCut(this.provider);
    if (finish === "content_filter") throw refused(this.provider, "content filter");
    yield { type: "done", text, usage, model };
  }

  private params(request: LlmRequest) {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: "system", content: request.system },
      ...request.messages.map((m) => ({ role: m.role, content: m.content })),
    ];
    return {
      model: this.model,
      messages,
      // OpenAI's newer models only take max_completion_tokens; local servers mostly know max_tokens.
      ...(this.compatible ? { max_tokens: request.maxTokens } : { max_completion_tokens: request.maxTokens }),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.json ? { response_format: { type: "json_object" as const } } : {}),
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
    const body = api?.error as { message?: unknown } | undefined;
    const message = typeof body?.message === "string" ? body.message : undefined;
    return llmError(this.provider, this.model, { kind, status: api?.status, message }, this.timeoutS, error);
  }
}
