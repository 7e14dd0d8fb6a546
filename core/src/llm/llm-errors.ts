import { AppError } from "../errors/app-error.ts";

/** What an adapter knows about a failed SDK call, in SDK-neutral terms. */
export interface ProviderFailure {
  /** HTTP status of the provider's answer, when there was one. */
  status?: number | undefined;
  /** The provider's own error message (shown trimmed; it never contains our key). */
  message?: string | undefined;
  kind: "http" | "timeout" | "connection" | "aborted" | "other";
}

/**
 * Translates a provider failure into the AppError the job and the API report. Statuses the SDK
 * already retried (429, 5xx, 529) arrive here only once its retries are spent.
 */
export function llmError(
  provider: string,
  model: string,
  failure: ProviderFailure,
  timeoutS: number,
  cause: unknown,
): AppError {
  const said = failure.message ? `: ${failure.message.replace(/\s+/g, " ").slice(0, 200)}` : "";
  switch (failure.kind) {
    case "aborted":
      return new AppError("llm_unavailable", `The ${provider} request was cancelled.`, { cause });
    case "timeout":
      return new AppError(
        "llm_unavailable",
        `${provider} did not answer within ${timeoutS} s (LLM_TIMEOUT_S), after retries.`,
        { cause },
      );
    case "connection":
      return new AppError(
        "llm_unavailable",
        `Could not reach ${provider}${said}. Check the network or the base URL.`,
        { cause },
      );
    case "other":
      return new AppError("llm_unavailable", `The ${provider} request failed${said}.`, { cause });
    case "http":
      break;
  }
  const status = failure.status ?? 0;
  if (status === 401 || status === 403) {
    return new AppError(
      "llm_misconfigured",
      `${provider} rejected the API key (HTTP ${status}). Check the configured key for ${provider}.`,
      { cause, unrecoverable: true },
    );
  }
  if (status === 404) {
    return new AppError(
      "llm_misconfigured",
      `${provider} does not know the model "${model}" (HTTP 404)${said}. Check the configured model.`,
      { cause, unrecoverable: true },
    );
  }
  if (status === 429 || status === 529 || status === 408 || status >= 500) {
    return new AppError(
      "llm_unavailable",
      `${provider} is overloaded or failing (HTTP ${status}) and retries ran out${said}.`,
      { cause },
    );
  }
  return new AppError("llm_refused", `${provider} refused the request (HTTP ${status})${said}.`, {
    cause,
    unrecoverable: true,
  });
}

/** A stream that stopped before the provider said it was complete. */
export function streamCut(provider: string, cause?: unknown): AppError {
  return new AppError(
    "llm_unavailable",
    `The ${provider} answer stream ended before it was complete; nothing partial was kept.`,
    { cause },
  );
}

/** A refusal reported inside a successful answer (stop reason, content filter). */
export function refused(provider: string, why: string): AppError {
  return new AppError("llm_refused", `${provider} declined to answer (${why}).`, { unrecoverable: true });
}
