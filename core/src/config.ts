import path from "node:path";
import { z } from "zod";

/**
 * Configuration shared by the server and the worker, parsed once at boot from the environment.
 * Nothing else reads `process.env`: deployables call `loadConfig(process.env)` in their config.ts.
 */
export const CoreConfigSchema = z.object({
  /** Where local mode keeps its SQLite files and blobs. */
  DATA_DIR: z.string().min(1).default("./data"),
  /** Signs session JWTs; at least 32 characters. Local mode generates and keeps one in DATA_DIR when unset. */
  SECRET_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  /** `development` logs pretty, `production` logs JSON and requires SECRET_KEY. */
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** pino level. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** MongoDB connection string; unset = SQLite in DATA_DIR (issue #3 adds the MongoDB adapter). */
  MONGODB_URL: z.string().optional(),
  /** Redis for BullMQ and events; unset = the SQLite queue. */
  REDIS_URL: z.string().optional(),
  REDIS_HOST: z.string().optional(),
  REDIS_PORT: z.coerce.number().int().optional(),
  /** Elasticsearch 8 / OpenSearch; unset = SQLite FTS5. */
  ELASTICSEARCH_URL: z.string().optional(),
  OPENSEARCH_URL: z.string().optional(),
  /** S3 bucket for originals; unset = local disk under DATA_DIR/blobs. */
  S3_BUCKET_NAME: z.string().optional(),
  S3_REGION: z.string().optional(),
  S3_ENDPOINT: z.string().optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  /** Default note generator: `extractive` (offline) until the LLM providers land (issue #5). */
  LLM_PROVIDER: z.enum(["extractive", "anthropic", "openai"]).default("extractive"),
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_MODEL: z.string().optional(),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_MODEL: z.string().optional(),
  OPENAI_BASE_URL: z.url().optional(),
  /** Largest accepted upload, in megabytes. */
  MAX_UPLOAD_MB: z.coerce.number().positive().max(2048).default(100),
  /** Documents with more pages are rejected. */
  MAX_PAGES: z.coerce.number().int().positive().max(100_000).default(2000),
  /** Extraction of one document is killed after this many seconds. */
  EXTRACTION_TIMEOUT_S: z.coerce.number().positive().default(300),
  /** Memory cap of the extraction child process, in megabytes. */
  EXTRACTION_MEMORY_MB: z.coerce.number().int().min(128).default(1024),
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

export function finish<T extends z.infer<typeof CoreConfigSchema>>(data: T): T & { dataDir: string } {
  const unsupported = (
    [
      "MONGODB_URL",
      "REDIS_URL",
      "REDIS_HOST",
      "ELASTICSEARCH_URL",
      "OPENSEARCH_URL",
      "S3_BUCKET_NAME",
    ] as const
  ).filter((k) => data[k]);
  if (unsupported.length > 0) {
    throw new ConfigError(
      unsupported
        .map(
          (k) =>
            `  - ${k}: production adapters are not in this build yet (issue #3); unset it to use the embedded store`,
        )
        .join("\n"),
    );
  }
  if (data.LLM_PROVIDER !== "extractive") {
    throw new ConfigError(
      `  - LLM_PROVIDER: "${data.LLM_PROVIDER}" is not in this build yet (issue #5); use "extractive"`,
    );
  }
  if (data.NODE_ENV === "production" && !data.SECRET_KEY) {
    throw new ConfigError("  - SECRET_KEY: required when NODE_ENV=production");
  }
  return { ...data, dataDir: path.resolve(data.DATA_DIR) };
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
