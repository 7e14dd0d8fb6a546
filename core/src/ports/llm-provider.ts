/** One turn of a conversation with a language model. */
export interface LlmMessage {
  role: "user" | "assistant";
  content: string;
}

/** A request to a language model. */
export interface LlmRequest {
  /** Instructions. Document text never goes here: it goes into `messages`, inside delimited data blocks. */
  system: string;
  messages: LlmMessage[];
  /** Upper bound of generated tokens. */
  maxTokens: number;
  temperature?: number | undefined;
  /** Ask for a JSON object (providers that support it enforce it; the caller still validates). */
  json?: boolean | undefined;
  /** Aborts the request (and any retry of it). */
  signal?: AbortSignal | undefined;
}

/** Tokens billed for one request. */
export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
}

/** The complete answer of a language model. */
export interface LlmCompletion {
  text: string;
  usage: LlmUsage;
  /** The model that answered, as the provider reports it. */
  model: string;
}

/** What a streamed answer yields: text deltas, then exactly one `done` with the totals. */
export type LlmStreamEvent =
  { type: "delta"; text: string } | { type: "done"; text: string; usage: LlmUsage; model: string };

/**
 * A language model behind a provider's API. Adapters own their SDK client, apply the timeout and
 * bounded retries (429/529/5xx, honouring retry-after), and translate every failure into an
 * `AppError`: `llm_misconfigured` (bad key, unknown model; unrecoverable), `llm_refused`
 * (unrecoverable), `llm_unavailable` (retries exhausted, timeout, stream cut; the queue may retry).
 */
export interface LlmProvider {
  /** `anthropic`, `openai`, `openai-compatible`, or a test double's name. */
  readonly provider: string;
  /** The configured model id. */
  readonly model: string;
  /** Sends the request and resolves with the whole answer. */
  complete(request: LlmRequest): Promise<LlmCompletion>;
  /**
   * Streams the answer. The iterable throws (`llm_unavailable`) when the stream ends before the
   * provider said it was complete, so a cut stream never looks like a short answer.
   */
  stream(request: LlmRequest): AsyncIterable<LlmStreamEvent>;
}
