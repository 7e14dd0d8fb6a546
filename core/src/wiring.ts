import path from "node:path";
import {
  Fts5SearchIndex,
  LocalDiskBlobStore,
  SqliteEventBus,
  SqliteJobQueue,
  SqliteRepositories,
} from "./adapters/index.ts";
import { mkdirPrivateSync, tightenSync, tightenTreeSync, type Tightened } from "./adapters/private-files.ts";
import type { LlmProviderName, ProjectLlm } from "@academic-assist/sdk/contract";
import { missingLlmVariables, type CoreConfig } from "./config.ts";
import type { ProjectRecord } from "./domain/records.ts";
import { AppError, badRequest } from "./errors/app-error.ts";
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
  /** The default note generator (LLM_PROVIDER); a project may use another: see `llmProviders`. */
  generator: NoteGenerator;
  /** The default language model (LLM_PROVIDER); null with the offline `extractive` provider. */
  llm: LlmProvider | null;
  /** Every provider the deployment can serve, made on first use; resolves a project's own choice. */
  llmProviders: LlmProviders;
  /** Which adapter serves each port (`sqlite`, `mongodb`, `bullmq`, …). */
  stores: {
    metadata: "sqlite" | "mongodb";
    blobs: "local-disk" | "s3";
    queue: "sqlite-queue" | "bullmq";
    events: "sqlite" | "redis";
    search: "fts5" | "elasticsearch" | "opensearch";
  };
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
    /** tesseract's language data, copied from the installed packages on first OCR. */
    tessdata: path.join(dataDir, "tessdata"),
  };
}

/**
 * Makes DATA_DIR owner-only: the folder itself 0700, and our own files in it (the SQLite stores
 * with their -wal/-shm, the secret, the discovery file, OCR language data) 0600 / 0700 where an
 * older version, or the umask, left them readable by others. Only paths we make are touched
 * (never everything under a DATA_DIR someone pointed at a shared folder); the blob folder is
 * narrowed by the blob store's own sweep.
 */
export function secureDataDir(dataDir: string): Tightened {
  mkdirPrivateSync(dataDir);
  const paths = localPaths(dataDir);
  const into = tightenSync(dataDir);
  for (const db of [paths.metadata, paths.queue, paths.events, paths.search]) {
    for (const file of [db, `${db}-wal`, `${db}-shm`, `${db}-journal`]) tightenSync(file, into);
  }
  tightenSync(paths.secret, into);
  tightenSync(paths.discovery, into);
  tightenTreeSync(paths.tessdata, into);
  return into;
}

export async function createContext(config: CoreConfig, logger: Logger): Promise<AppContext> {
  const tightened = secureDataDir(config.dataDir);
  const paths = localPaths(config.dataDir);
  // Each port independently: a production store when its variables are set, else the embedded one.
  // Production adapters are imported only when chosen, so local mode never loads their drivers.
  const opened: { close(): Promise<void> }[] = [];
  const keep = <T extends { close(): Promise<void> }>(adapter: T): T => {
    opened.push(adapter);
    return adapter;
  };
  try {
    const repos = keep(await openRepositories(config, paths.metadata));
    const blobs = await openBlobStore(config, paths.blobs, logger, tightened);
    reportTightened(config.dataDir, tightened, logger);
    const redis = redisConnection(config);
    const adapterLogger = logger.child({ component: "redis" });
    const queue = keep(
      redis
        ? await (
            await import("./adapters/bullmq/bullmq-job-queue.ts")
          ).openBullMqQueue({
            ...redis,
            prefix: config.REDIS_PREFIX,
            backoffBaseMs: config.JOB_BACKOFF_MS,
            evictionPolicyCheck: config.REDIS_EVICTION_POLICY_CHECK,
            logger: adapterLogger,
          })
        : new SqliteJobQueue({ file: paths.queue, backoffBaseMs: config.JOB_BACKOFF_MS }),
    );
    const events = keep(
      redis
        ? await (
            await import("./adapters/redis-events/redis-event-bus.ts")
          ).openRedisEventBus({ ...redis, prefix: config.REDIS_PREFIX, logger: adapterLogger })
        : new SqliteEventBus(paths.events),
    );
    const search = keep(await openSearchIndex(config, paths.search));
    const llm = await createLlmProvider(config);
    const generator = noteGeneratorFor(config, llm);
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
      llmProviders: new LlmProviders(config, { llm, generator }),
      stores: describeStores(config),
      async close() {
        await queue.close();
        await Promise.allSettled([repos.close(), search.close(), events.close()]);
      },
    };
  } catch (error) {
    await Promise.allSettled(opened.map((a) => a.close()));
    throw error;
  }
}

/** One log line for what {@link secureDataDir} and the blob sweep narrowed (paths relative to DATA_DIR). */
function reportTightened(dataDir: string, tightened: Tightened, logger: Logger): void {
  const relative = (paths: string[]) => paths.slice(0, 10).map((p) => path.relative(dataDir, p) || ".");
  if (tightened.changed.length > 0) {
    logger.info(
      { count: tightened.changed.length, paths: relative(tightened.changed) },
      "DATA_DIR: made files 0600 and folders 0700 that an older version had left readable by others",
    );
  }
  if (tightened.failed.length > 0) {
    logger.warn(
      { count: tightened.failed.length, paths: relative(tightened.failed) },
      "DATA_DIR: could not make these owner-only (owned by another user?); other accounts on this machine may read them",
    );
  }
}

/** Which adapter serves each port, for logs and /readyz (never a URL: they may hold credentials). */
export function describeStores(config: CoreConfig): AppContext["stores"] {
  const redis = Boolean(config.REDIS_URL ?? config.REDIS_HOST);
  return {
    metadata: config.MONGODB_URL ? "mongodb" : "sqlite",
    blobs: config.S3_BUCKET_NAME ? "s3" : "local-disk",
    queue: redis ? "bullmq" : "sqlite-queue",
    events: redis ? "redis" : "sqlite",
    search: config.ELASTICSEARCH_URL ? "elasticsearch" : config.OPENSEARCH_URL ? "opensearch" : "fts5",
  };
}

async function openRepositories(config: CoreConfig, file: string): Promise<Repositories> {
  if (!config.MONGODB_URL) return new SqliteRepositories(file);
  const { openMongoRepositories } = await import("./adapters/mongodb/mongo-repositories.ts");
  return openMongoRepositories({ url: config.MONGODB_URL, dbName: config.MONGODB_DB });
}

async function openBlobStore(
  config: CoreConfig,
  folder: string,
  logger: Logger,
  tightened: Tightened,
): Promise<BlobStore> {
  if (!config.S3_BUCKET_NAME) {
    const store = new LocalDiskBlobStore(folder);
    const swept = await store.sweep();
    tightened.changed.push(...swept.tightened.changed);
    tightened.failed.push(...swept.tightened.failed);
    if (swept.removedTempFiles > 0 || swept.removedFolders > 0) {
      logger.info(
        { component: "blobs", tempFiles: swept.removedTempFiles, folders: swept.removedFolders },
        "removed unfinished uploads and empty folders left by an earlier run",
      );
    }
    return store;
  }
  const { openS3BlobStore } = await import("./adapters/s3/index.ts");
  return openS3BlobStore({
    bucket: config.S3_BUCKET_NAME,
    region: config.S3_REGION ?? "us-east-1",
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
    ...(config.AWS_ACCESS_KEY_ID && config.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: config.AWS_ACCESS_KEY_ID, secretAccessKey: config.AWS_SECRET_ACCESS_KEY }
      : {}),
    sse:
      config.S3_SSE === "aws:kms"
        ? { type: "aws:kms", ...(config.S3_KMS_KEY_ID ? { kmsKeyId: config.S3_KMS_KEY_ID } : {}) }
        : { type: config.S3_SSE },
  });
}

async function openSearchIndex(config: CoreConfig, file: string): Promise<SearchIndex> {
  const indexPrefix = `${config.SEARCH_INDEX_PREFIX}-`;
  if (config.ELASTICSEARCH_URL) {
    const { openElasticsearchIndex } = await import("./adapters/elasticsearch/elasticsearch-search-index.ts");
    return openElasticsearchIndex({ url: config.ELASTICSEARCH_URL, indexPrefix });
  }
  if (config.OPENSEARCH_URL) {
    const { openOpenSearchIndex } = await import("./adapters/opensearch/opensearch-search-index.ts");
    return openOpenSearchIndex({
      url: config.OPENSEARCH_URL,
      indexPrefix,
      ...(config.OPENSEARCH_AWS_REGION ? { awsSigv4: { region: config.OPENSEARCH_AWS_REGION } } : {}),
    });
  }
  return new Fts5SearchIndex(file);
}

/** REDIS_URL, or REDIS_HOST/REDIS_PORT (+ password, TLS); null when Redis is not configured. */
function redisConnection(config: CoreConfig) {
  if (config.REDIS_URL) return { url: config.REDIS_URL };
  if (!config.REDIS_HOST) return null;
  return {
    host: config.REDIS_HOST,
    port: config.REDIS_PORT,
    ...(config.REDIS_PASSWORD ? { password: config.REDIS_PASSWORD } : {}),
    tls: config.REDIS_TLS,
  };
}

/** Default models when only a key is configured. */
export const DEFAULT_MODELS = { anthropic: "claude-sonnet-4-6", openai: "gpt-4o-mini" } as const;

/** The model a provider runs: the project's choice, else the server's (`*_MODEL`), else ours. */
export function effectiveModel(config: CoreConfig, provider: LlmProviderName, model?: string): string {
  switch (provider) {
    case "extractive":
      return "extractive-v1";
    case "anthropic":
      return model ?? config.ANTHROPIC_MODEL ?? DEFAULT_MODELS.anthropic;
    case "openai":
    case "openai-compatible":
      return model ?? config.OPENAI_MODEL ?? DEFAULT_MODELS.openai;
  }
}

/**
 * The language model LLM_PROVIDER selects, its SDK imported only when chosen. Config parsing has
 * already checked that the keys and URLs it needs are present.
 *
 * Retries are bounded on two levels that multiply, so both are small: the SDK retries one request
 * LLM_MAX_RETRIES times (default 2; 429/529/5xx/timeouts, honouring retry-after), and the queue
 * runs an `llm_generation` job LLM_JOB_MAX_ATTEMPTS times (default 2). Worst case per map call:
 * (2 + 1) × 2 = 6 HTTP requests, instead of the SDK default 3 × the queue default 5 = 15.
 */
export function createLlmProvider(config: CoreConfig): Promise<LlmProvider | null> {
  return createLlmProviderFor(config, config.LLM_PROVIDER);
}

/**
 * One provider with the deployment's keys and base URLs, running `model` (default: the server's).
 * The caller has checked that the provider's variables are set (`missingLlmVariables`).
 */
async function createLlmProviderFor(
  config: CoreConfig,
  provider: LlmProviderName,
  model?: string,
): Promise<LlmProvider | null> {
  const common = { timeoutS: config.LLM_TIMEOUT_S, maxRetries: config.LLM_MAX_RETRIES };
  switch (provider) {
    case "extractive":
      return null;
    case "anthropic": {
      const { AnthropicLlmProvider } = await import("./adapters/anthropic/anthropic-llm-provider.ts");
      return new AnthropicLlmProvider({
        ...common,
        apiKey: config.ANTHROPIC_API_KEY ?? "",
        model: effectiveModel(config, provider, model),
        baseURL: config.ANTHROPIC_BASE_URL,
      });
    }
    case "openai":
    case "openai-compatible": {
      const { OpenAiLlmProvider } = await import("./adapters/openai/openai-llm-provider.ts");
      return new OpenAiLlmProvider({
        ...common,
        provider,
        apiKey: config.OPENAI_API_KEY,
        model: effectiveModel(config, provider, model),
        baseURL: config.OPENAI_BASE_URL,
      });
    }
  }
}

function noteGeneratorFor(config: CoreConfig, llm: LlmProvider | null): NoteGenerator {
  return llm
    ? new LlmNoteGenerator(llm, { concurrency: config.LLM_CONCURRENCY, chunkTokens: config.LLM_CHUNK_TOKENS })
    : new ExtractiveNoteGenerator();
}

/** A language model and the note generator that writes with it. */
export interface ResolvedLlm {
  /** Null for the offline `extractive` generator. */
  llm: LlmProvider | null;
  generator: NoteGenerator;
}

/**
 * The providers a deployment can serve and which one a project uses. LLM_PROVIDER is the default;
 * a project may choose another provider and model (`ProjectRecord.llm`), but keys and base URLs
 * are only ever the deployment's. Each (provider, model) is made on first use, then reused.
 */
export class LlmProviders {
  private readonly made = new Map<string, Promise<ResolvedLlm>>();

  constructor(
    private readonly config: CoreConfig,
    /** The default (LLM_PROVIDER), already made at boot. */
    readonly defaults: ResolvedLlm,
  ) {}

  /**
   * Refuses (400 `validation_failed`) a choice the server lacks the configuration for, naming the
   * missing variable (never a value). Null (the default) is always available.
   */
  assertAvailable(choice: ProjectLlm | null): void {
    const missing = choice ? missingLlmVariables(this.config, choice.provider, choice.model) : [];
    if (!choice || missing.length === 0) return;
    const names = missing.map((m) => m.variable);
    const plural = names.length > 1;
    throw badRequest(
      `This server cannot use the ${choice.provider} provider: ${names.join(" and ")} ${plural ? "are" : "is"} ` +
        `not configured. Ask its administrator to set ${plural ? "them" : "it"}, or choose another provider` +
        (names.includes("OPENAI_MODEL") ? " (or give `model`)." : "."),
      missing.map((m) =>
        m.variable === "OPENAI_MODEL"
          ? { path: "body.llm.model", message: "required: the server has no default model (OPENAI_MODEL)" }
          : { path: "body.llm.provider", message: `needs ${m.variable} on the server` },
      ),
    );
  }

  /**
   * The model and generator of a project: its own choice, else the default. Fails with
   * `llm_misconfigured` (unrecoverable) when the server no longer has what the choice needs.
   */
  forProject(project: Pick<ProjectRecord, "llm"> | null): Promise<ResolvedLlm> {
    const choice = project?.llm;
    if (!choice) return Promise.resolve(this.defaults);
    const model = effectiveModel(this.config, choice.provider, choice.model);
    const isDefault =
      choice.provider === this.config.LLM_PROVIDER &&
      model === (this.defaults.llm?.model ?? this.defaults.generator.model);
    if (isDefault) return Promise.resolve(this.defaults);
    const missing = missingLlmVariables(this.config, choice.provider, choice.model);
    if (missing.length > 0) {
      return Promise.reject(
        new AppError(
          "llm_misconfigured",
          `This project uses the ${choice.provider} provider, but the server no longer has ` +
            `${missing.map((m) => m.variable).join(" and ")} configured; a project owner can choose another provider.`,
          { unrecoverable: true },
        ),
      );
    }
    const key = `${choice.provider}\n${model}`;
    let resolved = this.made.get(key);
    if (!resolved) {
      resolved = createLlmProviderFor(this.config, choice.provider, model).then((llm) => ({
        llm,
        generator: noteGeneratorFor(this.config, llm),
      }));
      // A failed import must not stick: the next request tries again.
      void resolved.catch(() => this.made.delete(key));
      this.made.set(key, resolved);
    }
    return resolved;
  }
}
