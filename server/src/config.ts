import { CoreConfigSchema, ConfigError, finish, formatConfigError, stripEmpty } from "@academic-assist/core";
import { z } from "zod";

/** The roles one server process can play (split topology); `all` serves every area in one process. */
export const SERVICE_ROLES = ["all", "gateway", "auth", "project", "document", "llm", "note"] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

/** The areas of the API, each served by the role of the same name behind the gateway. */
export const AREAS = ["auth", "project", "document", "llm", "note"] as const;
export type Area = (typeof AREAS)[number];

/** Port each role listens on when PORT is unset (the original design's numbering). */
export const DEFAULT_PORTS: Record<ServiceRole, number> = {
  all: 8000,
  gateway: 8000,
  auth: 8001,
  project: 8002,
  document: 8003,
  llm: 8004,
  note: 8005,
};

/** The variable holding each area's upstream URL on the gateway. */
export const UPSTREAM_VARIABLES = {
  auth: "API_BASE_URL_AUTH",
  project: "API_BASE_URL_PROJECT",
  document: "API_BASE_URL_DOCUMENT",
  llm: "API_BASE_URL_LLM",
  note: "API_BASE_URL_NOTE",
} as const satisfies Record<Area, string>;

/** An upstream base URL: http(s), origin only (the gateway appends `/api/v1/…` unchanged). */
const upstreamUrl = z
  .url({ protocol: /^https?$/ })
  .refine(
    (u) => new URL(u).pathname === "/" && !new URL(u).search,
    "must be an origin such as http://auth:8001",
  )
  .optional();

/** The server's environment: the shared core variables plus these. */
export const ServerConfigSchema = CoreConfigSchema.extend({
  /** Port to listen on; unset = the role's default (gateway/all 8000, auth 8001 … note 8005). */
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Interface to bind; local mode keeps the default loopback address. */
  HOST: z.string().default("127.0.0.1"),
  /** Which role this process plays: `all` (default) serves every area; the others split them (docs/architecture.md). */
  SERVICE: z.enum(SERVICE_ROLES).default("all"),
  /** Gateway only: where the auth role listens (origin, e.g. http://auth:8001). */
  API_BASE_URL_AUTH: upstreamUrl,
  /** Gateway only: where the project role listens. */
  API_BASE_URL_PROJECT: upstreamUrl,
  /** Gateway only: where the document role listens. */
  API_BASE_URL_DOCUMENT: upstreamUrl,
  /** Gateway only: where the llm role listens. */
  API_BASE_URL_LLM: upstreamUrl,
  /** Gateway only: where the note role listens. */
  API_BASE_URL_NOTE: upstreamUrl,
  /** Origins allowed by CORS, comma-separated. Obsidian desktop is `app://obsidian.md`, mobile `capacitor://localhost`. */
  CORS_ORIGINS: z
    .string()
    .default("app://obsidian.md,capacitor://localhost,http://localhost,vscode-file://vscode-app"),
  /** Whether anyone may create an account with POST /auth/register. */
  ALLOW_REGISTRATION: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** Lifetime of session JWTs, in seconds. */
  JWT_TTL_S: z.coerce.number().int().min(60).max(86_400).default(900),
  /** First start creates a local user, a default project and an API token for the plugins and CLI (roles `all` and `gateway` only). */
  LOCAL_BOOTSTRAP: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  /** Where the CLI and plugins look for the local server (XDG config dir); set in tests. */
  XDG_CONFIG_HOME: z.string().optional(),
  HOME: z.string().optional(),
});

export type ServerConfig = ReturnType<typeof parseServerConfig>;

/**
 * Parses the server's environment once at boot; throws a ConfigError listing every problem
 * (including every upstream URL a gateway is missing).
 */
export function parseServerConfig(env: Record<string, string | undefined>) {
  const parsed = ServerConfigSchema.safeParse(stripEmpty(env));
  if (!parsed.success) throw new ConfigError(formatConfigError(parsed.error));
  const data = parsed.data;
  const problems: string[] = [];
  if (data.SERVICE === "gateway") {
    for (const area of AREAS) {
      const variable = UPSTREAM_VARIABLES[area];
      if (!data[variable]) {
        problems.push(`  - ${variable}: required when SERVICE=gateway (the ${area} role's URL)`);
      }
    }
  }
  let finished;
  try {
    finished = finish(data);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(e.problems);
  }
  if (problems.length > 0 || !finished) throw new ConfigError(problems.join("\n"));
  const upstreams = Object.fromEntries(
    AREAS.map((area) => [area, data[UPSTREAM_VARIABLES[area]] ?? null]),
  ) as Record<Area, string | null>;
  return { ...finished, PORT: data.PORT ?? DEFAULT_PORTS[data.SERVICE], upstreams };
}
