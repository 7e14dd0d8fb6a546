import { CoreConfigSchema, ConfigError, finish, formatConfigError, stripEmpty } from "@academic-assist/core";
import { z } from "zod";

/** The server's environment: the shared core variables plus these. */
export const ServerConfigSchema = CoreConfigSchema.extend({
  /** Port to listen on (gateway/all default 8000). */
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  /** Interface to bind; local mode keeps the default loopback address. */
  HOST: z.string().default("127.0.0.1"),
  /** Which role this process plays (split topology: issue #3); `all` serves every module. */
  SERVICE: z.enum(["all", "gateway", "auth", "project", "document", "llm", "note"]).default("all"),
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
  /** First start creates a local user, a default project and an API token for the plugins and CLI. */
  LOCAL_BOOTSTRAP: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  /** Where the CLI and plugins look for the local server (XDG config dir); set in tests. */
  XDG_CONFIG_HOME: z.string().optional(),
  HOME: z.string().optional(),
});

export type ServerConfig = ReturnType<typeof parseServerConfig>;

export function parseServerConfig(env: Record<string, string | undefined>) {
  const parsed = ServerConfigSchema.safeParse(stripEmpty(env));
  if (!parsed.success) throw new ConfigError(formatConfigError(parsed.error));
  if (parsed.data.SERVICE !== "all") {
    throw new ConfigError(
      `  - SERVICE: "${parsed.data.SERVICE}" arrives with the split topology (issue #3); use "all"`,
    );
  }
  return finish(parsed.data);
}
