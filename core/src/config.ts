import path from "node:path";
import { z } from "zod";
import { missingLanguageData } from "./extraction/language-data.ts";

/**
 * Configuration shared by the server and the worker, parsed once at boot from the environment.
 * Nothing else reads `process.env`: deployables call `loadConfig(process.env)` in their config.ts.
 */
export const CoreConfigSchema = z.object({
  /** Where local mode keeps its SQLite files and blobs. */
  DATA_DIR: z.string().min(1).default("./data"),
  /** Signs session JWTs; at least 32 characters. Local mode generates and keeps one in DATA_DIR when unset. */
  SECRET_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  /** `development` logs pretty, `production` logs JSON and requires SECRET_KEY (server roles). */
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** pino level. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** MongoDB connection string (e.g. a MongoDB Atlas SRV URL); unset = SQLite in DATA_DIR. Never logged. */
  MONGODB_URL: z.string().optional(),
  /** Database name when MONGODB_URL names none (default `academic_assist`). */
  MONGODB_DB: z.string().min(1).optional(),
  /** Redis for BullMQ and job events, as a URL (`redis://` or `rediss://` for TLS); unset = the SQLite queue. */
  REDIS_URL: z.string().optional(),
  /** Redis host and port, the original design's alternative to REDIS_URL. */
  REDIS_HOST: z.string().optional(),
  REDIS_PORT: z.coerce.number().int().min(1).max(65535).default(6379),
  /** Redis AUTH password (with REDIS_HOST). Never logged. */
  REDIS_PASSWORD: z.string().optional(),
  /** Connect to REDIS_HOST over TLS (ElastiCache with in-transit encryption). */
  REDIS_TLS: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** Key prefix of the BullMQ queues and the event stream, so several deployments can share a Redis. */
  REDIS_PREFIX: z.string().min(1).default("aa"),
  /**
   * What to do when Redis's `maxmemory-policy` is not `noeviction` (an evicting Redis silently drops
   * queued jobs): `refuse` stops the process, `warn` logs an error and goes on.
   */
  REDIS_EVICTION_POLICY_CHECK: z.enum(["refuse", "warn"]).default("refuse"),
  /** Elasticsearch 8 URL; unset (and no OPENSEARCH_URL) = SQLite FTS5. */
  ELASTICSEARCH_URL: z.string().optional(),
  /** OpenSearch URL (Amazon OpenSearch Service or self-hosted). */
  OPENSEARCH_URL: z.string().optional(),
  /**
   * Region of an Amazon OpenSearch Service domain with IAM access: requests to OPENSEARCH_URL are then
   * signed (SigV4) with the AWS default credentials (the ECS task role). Unset = unsigned.
   */
  OPENSEARCH_AWS_REGION: z.string().min(1).optional(),
  /** Prefix of the search index names, so several deployments can share a cluster. */
  SEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, "lowercase letters, digits, - and _ only")
    .default("academic-assist"),
  /** S3 bucket for originals; unset = local disk under DATA_DIR/blobs. */
  S3_BUCKET_NAME: z.string().optional(),
  /** The bucket's region; required with S3_BUCKET_NAME. */
  S3_REGION: z.string().optional(),
  /** Endpoint of an S3-compatible server (path-style addressing is used then). */
  S3_ENDPOINT: z.url().optional(),
  /**
   * Server-side encryption of stored originals: `AES256` (SSE-S3, default), `aws:kms`, or `none` for
   * S3-compatible servers that refuse encryption headers.
   */
  S3_SSE: z.enum(["AES256", "aws:kms", "none"]).default("AES256"),
  /** KMS key for `S3_SSE=aws:kms` (default: the account's aws/s3 key). */
  S3_KMS_KEY_ID: z.string().optional(),
  /** Explicit S3 credentials; unset = the AWS default chain (task role on ECS). Never logged. */
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  /**
   * Default note generator and answerer: `extractive` (offline, deterministic), `anthropic`,
   * `openai`, or `openai-compatible` (Ollama, vLLM, LM Studio… at OPENAI_BASE_URL).
   */
  LLM_PROVIDER: z.enum(["extractive", "anthropic", "openai", "openai-compatible"]).default("extractive"),
  /** Anthropic API key; required when LLM_PROVIDER=anthropic. Never logged. */
  ANTHROPIC_API_KEY: z.string().optional(),
  /** Anthropic model id (default `claude-sonnet-4-6`). */
  ANTHROPIC_MODEL: z.string().optional(),
  /** Anthropic API base URL, for a proxy or gateway (default: the SDK's). */
  ANTHROPIC_BASE_URL: z.url().optional(),
  /** OpenAI API key; required when LLM_PROVIDER=openai, optional for openai-compatible. Never logged. */
  OPENAI_API_KEY: z.string().optional(),
  /** OpenAI model id (default `gpt-4o-mini`); required for openai-compatible. */
  OPENAI_MODEL: z.string().optional(),
  /** Base URL of an OpenAI-compatible server (e.g. http://127.0.0.1:11434/v1); required for openai-compatible. */
  OPENAI_BASE_URL: z.url().optional(),
  /** One LLM request (or one streamed answer) is abandoned after this many seconds. */
  LLM_TIMEOUT_S: z.coerce.number().positive().max(3600).default(120),
  /**
   * Retries inside the provider SDK per request (429/529/5xx/timeouts, honouring retry-after). The
   * worst case of HTTP requests per LLM call is (LLM_MAX_RETRIES + 1) × LLM_JOB_MAX_ATTEMPTS.
   */
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** Tries of an `llm_generation` job (the queue's retries on top of the SDK's), including the first. */
  LLM_JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(2),
  /** LLM calls of one note run at once (the map step's parallelism). */
  LLM_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /** Document tokens per map call: a paper is cut into section-aware batches of at most this size. */
  LLM_CHUNK_TOKENS: z.coerce.number().int().min(200).max(200_000).default(3000),
  /** Optional per-user monthly spend limit in USD; new LLM jobs are refused with `budget_exceeded` beyond it. */
  LLM_MONTHLY_BUDGET_USD: z.coerce.number().nonnegative().optional(),
  /** Largest accepted upload, in megabytes. */
  MAX_UPLOAD_MB: z.coerce.number().positive().max(2048).default(100),
  /** Documents with more pages are rejected. */
  MAX_PAGES: z.coerce.number().int().positive().max(100_000).default(2000),
  /** Extraction of one document is killed after this many seconds. */
  EXTRACTION_TIMEOUT_S: z.coerce.number().positive().default(300),
  /** Memory cap of the extraction child process, in megabytes. */
  EXTRACTION_MEMORY_MB: z.coerce.number().int().min(128).default(1024),
  /** Pages recognised at a time by OCR in one extraction; 0 = one per CPU core, at most 4. */
  OCR_WORKERS: z.coerce.number().int().min(0).max(16).default(0),
  /** OCR of one page is stopped after this many seconds (the document then fails). */
  OCR_PAGE_TIMEOUT_S: z.coerce.number().positive().default(120),
  /**
   * A folder of tesseract language data used instead of the shipped `@tesseract.js-data` models
   * (4.0.0_best_int): `eng.traineddata` and `jpn.traineddata`, plain or `.gz` — e.g. the
   * tessdata_fast models of Debian's tesseract-ocr-eng/-jpn in /usr/share/tesseract-ocr/5/tessdata.
   */
  OCR_LANGUAGE_DATA: z.string().optional(),
  /** Largest bitmap, in pixels, a page is rendered to for OCR or an uploaded image may declare. */
  MAX_IMAGE_PIXELS: z.coerce.number().int().positive().default(60_000_000),
  /** Tries per job, including the first. */
  JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  /** Base delay of the exponential retry backoff, in milliseconds. */
  JOB_BACKOFF_MS: z.coerce.number().int().min(0).default(2000),
  /** A job whose worker stops renewing its lease for this long is delivered again. */
  JOB_LEASE_MS: z.coerce.number().int().min(500).default(30_000),
});

export type CoreConfig = z.infer<typeof CoreConfigSchema> & { dataDir: string };

/** Every problem of a config, one line each. */
export function formatConfigError(error: z.ZodError): string {
  return error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
}

/** Parses the shared part of the environment; throws a ConfigError listing every problem. */
export function parseCoreConfig(env: Record<string, string | undefined>): CoreConfig {
  const parsed = CoreConfigSchema.safeParse(stripEmpty(env));
  if (!parsed.success) throw new ConfigError(formatConfigError(parsed.error));
  return finish(parsed.data);
}

export function finish<T extends z.infer<typeof CoreConfigSchema>>(
  data: T,
  options: {
    /**
     * Whether this process signs or verifies tokens (the server roles). The worker does neither, so
     * it does not need SECRET_KEY in production and a deployment need not hand it the key.
     */
    usesSecretKey?: boolean;
  } = {},
): T & { dataDir: string } {
  const problems: string[] = [];
  problems.push(...storeProblems(data));
  problems.push(...llmProblems(data));
  problems.push(...ocrDataProblems(data.OCR_LANGUAGE_DATA));
  if ((options.usesSecretKey ?? true) && data.NODE_ENV === "production" && !data.SECRET_KEY) {
    problems.push("  - SECRET_KEY: required when NODE_ENV=production");
  }
  if (problems.length > 0) throw new ConfigError(problems.join("\n"));
  return {
    ...data,
    ...(data.OCR_LANGUAGE_DATA ? { OCR_LANGUAGE_DATA: path.resolve(data.OCR_LANGUAGE_DATA) } : {}),
    dataDir: path.resolve(data.DATA_DIR),
  };
}

/** OCR reads English and Japanese: a replacement data folder must hold both, checked at start. */
function ocrDataProblems(dir: string | undefined): string[] {
  if (!dir) return [];
  return missingLanguageData(dir, ["eng", "jpn"]).map(
    (lang) => `  - OCR_LANGUAGE_DATA: no ${lang}.traineddata (or .gz) in ${path.resolve(dir)}`,
  );
}

/** Contradictory or incomplete production-store settings, one line each (values never echoed). */
function storeProblems(data: z.infer<typeof CoreConfigSchema>): string[] {
  const out: string[] = [];
  if (data.MONGODB_URL && !/^mongodb(\+srv)?:\/\//.test(data.MONGODB_URL)) {
    out.push("  - MONGODB_URL: must start with mongodb:// or mongodb+srv://");
  }
  if (data.REDIS_URL && data.REDIS_HOST) out.push("  - REDIS_URL: set REDIS_URL or REDIS_HOST, not both");
  if (data.REDIS_URL && !/^rediss?:\/\//.test(data.REDIS_URL)) {
    out.push("  - REDIS_URL: must start with redis:// or rediss://");
  }
  if (data.ELASTICSEARCH_URL && data.OPENSEARCH_URL) {
    out.push("  - ELASTICSEARCH_URL: set ELASTICSEARCH_URL or OPENSEARCH_URL, not both");
  }
  if (data.OPENSEARCH_AWS_REGION && !data.OPENSEARCH_URL) {
    out.push("  - OPENSEARCH_URL: required when OPENSEARCH_AWS_REGION is set");
  }
  for (const key of ["ELASTICSEARCH_URL", "OPENSEARCH_URL"] as const) {
    const value = data[key];
    if (value && !/^https?:\/\//.test(value)) out.push(`  - ${key}: must be an http:// or https:// URL`);
  }
  if (data.S3_BUCKET_NAME && !data.S3_REGION) out.push("  - S3_REGION: required with S3_BUCKET_NAME");
  if (!data.S3_BUCKET_NAME && (data.S3_ENDPOINT || data.S3_KMS_KEY_ID)) {
    out.push("  - S3_BUCKET_NAME: required when S3_ENDPOINT or S3_KMS_KEY_ID is set");
  }
  if (Boolean(data.AWS_ACCESS_KEY_ID) !== Boolean(data.AWS_SECRET_ACCESS_KEY)) {
    out.push("  - AWS_SECRET_ACCESS_KEY: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY together");
  }
  return out;
}

/** What the chosen LLM provider still needs, one line per missing variable (values never echoed). */
function llmProblems(data: z.infer<typeof CoreConfigSchema>): string[] {
  return missingLlmVariables(data, data.LLM_PROVIDER).map(
    (m) => `  - ${m.variable}: required when LLM_PROVIDER=${data.LLM_PROVIDER} (${m.why})`,
  );
}

type LlmVariable = "ANTHROPIC_API_KEY" | "OPENAI_API_KEY" | "OPENAI_BASE_URL" | "OPENAI_MODEL";

/**
 * The variables a provider needs that `config` does not set (names and hints only, never values).
 * `model`, when given, stands in for the server's default model (a project's own choice).
 */
export function missingLlmVariables(
  config: Pick<z.infer<typeof CoreConfigSchema>, LlmVariable>,
  provider: z.infer<typeof CoreConfigSchema>["LLM_PROVIDER"],
  model?: string,
): { variable: LlmVariable; why: string }[] {
  const out: { variable: LlmVariable; why: string }[] = [];
  const need = (variable: LlmVariable, why: string) => {
    if (!config[variable]) out.push({ variable, why });
  };
  switch (provider) {
    case "extractive":
      break;
    case "anthropic":
      need("ANTHROPIC_API_KEY", "create one at console.anthropic.com");
      break;
    case "openai":
      need("OPENAI_API_KEY", "create one at platform.openai.com");
      break;
    case "openai-compatible":
      need("OPENAI_BASE_URL", "the server's /v1 URL, e.g. http://127.0.0.1:11434/v1 for Ollama");
      if (!model) need("OPENAI_MODEL", "the model name the server serves, e.g. llama3.1");
      break;
  }
  return out;
}

/** Empty strings count as unset, as a shell `FOO=` or an env file's `FOO=` line intends. */
export function stripEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}

export class ConfigError extends Error {
  constructor(readonly problems: string) {
    super(`Invalid configuration:\n${problems}`);
    this.name = "ConfigError";
  }
}
