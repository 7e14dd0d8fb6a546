import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  Fts5SearchIndex,
  LocalDiskBlobStore,
  SqliteEventBus,
  SqliteJobQueue,
  SqliteRepositories,
} from "./adapters/index.ts";
import type { CoreConfig } from "./config.ts";
import type { Logger } from "./logger.ts";
import { ExtractiveNoteGenerator } from "./notes/index.ts";
import { LlmNoteGenerator } from "./llm/llm-note-generator.ts";
import type {
  BlobStore,
  EventBus,
  JobQueue,
  LlmProvider,
  NoteGenerator,
  Repositories,
  SearchIndex,
} from "./ports/index.ts";

/** Every port, wired to the adapters the configuration selects. The only place adapters are chosen. */
export interface AppContext {
  config: CoreConfig;
  logger: Logger;
  repos: Repositories;
  blobs: BlobStore;
  queue: JobQueue;
  search: SearchIndex;
  events: EventBus;
  generator: NoteGenerator;
  /** The configured language model; null with the offline `extractive` provider. */
  llm: LlmProvider | null;
  close(): Promise<void>;
}

/** File layout of local mode under DATA_DIR. */
export function localPaths(dataDir: string) {
  return {
    metadata: path.join(dataDir, "academic-assist.db"),
    queue: path.join(dataDir, "queue.db"),
    events: path.join(dataDir, "events.db"),
    search: path.join(dataDir, "search.db"),
    blobs: path.join(dataDir, "blobs"),
    secret: path.join(dataDir, "secret.key"),
    discovery: path.join(dataDir, "local-server.json"),
  };
}

export async function createContext(config: CoreConfig, logger: Logger): Promise<AppContext> {
  // Production adapters (MongoDB, BullMQ, Elasticsearch/OpenSearch, S3) are selected here too once
  // they exist (issue #3); config parsing refuses their variables until then.
  mkdirSync(config.dataDir, { recursive: true });
  const paths = localPaths(config.dataDir);
  const repos = new SqliteRepositories(paths.metadata);
  const blobs = new LocalDiskBlobStore(paths.blobs);
  const queue = new SqliteJobQueue({ file: paths.queue, backoffBaseMs: config.JOB_BACKOFF_MS });
  const search = new Fts5SearchIndex(paths.search);
  const events = new SqliteEventBus(paths.events);
  const llm = await createLlmProvider(config);
  const generator: NoteGenerator = llm
    ? new LlmNoteGenerator(llm, { concurrency: config.LLM_CONCURRENCY, chunkTokens: config.LLM_CHUNK_TOKENS })
    : new ExtractiveNoteGenerator();
  return {
    config,
    logger,
    repos,
    blobs,
    queue,
    search,
    events,
    generator,
    llm,
    async close() {
      await queue.close();
      await Promise.allSettled([repos.close(), search.close(), events.close()]);
    },
  };
}

/** Default models when only a key is configured. */
export const DEFAULT_MODELS = { anthropic: "claude-sonnet-4-6", openai: "gpt-4o-mini" } as const;

/**
 * The language model LLM_PROVIDER selects, its SDK imported only when chosen. Config parsing has
 * already checked that the keys and URLs it needs are present.
 *
 * Retries are bounded on two levels that multiply, so both are small: the SDK retries one request
 * LLM_MAX_RETRIES times (default 2; 429/529/5xx/timeouts, honouring retry-after), and the queue
 * runs an `llm_generation` job LLM_JOB_MAX_ATTEMPTS times (default 2). Worst case per map call:
 * (2 + 1) × 2 = 6 HTTP requests, instead of the SDK default 3 × the queue default 5 = 15.
 */
export async function createLlmProvider(config: CoreConfig): Promise<LlmProvider | null> {
  const common = { timeoutS: config.LLM_TIMEOUT_S, maxRetries: config.LLM_MAX_RETRIES };
  switch (config.LLM_PROVIDER) {
    case "extractive":
      return null;
    case "anthropic": {
      const { AnthropicLlmProvider } = await import("./adapters/anthropic/anthropic-llm-provider.ts");
      return new AnthropicLlmProvider({
        ...common,
        apiKey: config.ANTHROPIC_API_KEY ?? "",
        model: config.ANTHROPIC_MODEL ?? DEFAULT_MODELS.anthropic,
        baseURL: config.ANTHROPIC_BASE_URL,
      });
    }
    case "openai":
    case "openai-compatible": {
      const { OpenAiLlmProvider } = await import("./adapters/openai/openai-llm-provider.ts");
      return new OpenAiLlmProvider({
        ...common,
        provider: config.LLM_PROVIDER,
        apiKey: config.OPENAI_API_KEY,
        model: config.OPENAI_MODEL ?? DEFAULT_MODELS.openai,
        baseURL: config.OPENAI_BASE_URL,
      });
    }
  }
}
