/// <reference types="node" />
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, parse, resolve } from "node:path";
import { z } from "zod";

/** Where the CLI connects, and where that came from (for messages). */
export interface Connection {
  baseURL: string;
  apiKey: string;
  /** A default project (from a discovery or credentials file), or null. */
  projectId: string | null;
  /** Human-readable origin: `--url/--api-key`, `environment`, or a file path. */
  source: string;
}

/** Configuration is missing or inconsistent; the message says what to do. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const ServerFile = z.object({
  url: z.url(),
  token: z.string().min(1),
  projectId: z.string().min(1).nullish(),
  pid: z.number().int().optional(),
});
type ServerFile = z.infer<typeof ServerFile>;

export type Env = Record<string, string | undefined>;

/** `$XDG_CONFIG_HOME/academic-assist` (XDG_CONFIG_HOME defaults to `~/.config`). */
export function configDir(env: Env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "academic-assist");
}

/** Where `academic-assist login` keeps its token. */
export function credentialsPath(env: Env): string {
  return join(configDir(env), "credentials.json");
}

/** `./data/local-server.json` in `cwd` and each parent, nearest first, then the XDG copy. */
export function discoveryCandidates(cwd: string, env: Env): string[] {
  const out: string[] = [];
  let dir = resolve(cwd);
  const { root } = parse(dir);
  for (;;) {
    out.push(join(dir, "data", "local-server.json"));
    if (dir === root) break;
    dir = dirname(dir);
  }
  out.push(join(configDir(env), "local-server.json"));
  return out;
}

async function readServerFile(path: string): Promise<ServerFile | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return null;
  }
  try {
    const parsed = ServerFile.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function sameOrigin(a: string, b: string): boolean {
  const norm = (u: string) =>
    u
      .replace(/\/+$/, "")
      .replace(/\/api\/v1$/, "")
      .toLowerCase();
  return norm(a) === norm(b);
}

/**
 * Resolves the server URL and API key: `--url`/`--api-key`, else `ACADEMIC_ASSIST_URL` /
 * `ACADEMIC_ASSIST_API_KEY`, else the token saved by `login`, else the local server's discovery file
 * (`./data/local-server.json` walking up from `cwd`, then `$XDG_CONFIG_HOME/academic-assist/`).
 * A saved token is only ever sent to the URL it was saved for.
 */
export async function resolveConnection(
  flags: { url?: string | undefined; apiKey?: string | undefined },
  env: Env,
  cwd: string,
): Promise<Connection> {
  const url = flags.url ?? (env.ACADEMIC_ASSIST_URL || undefined);
  const apiKey = flags.apiKey ?? (env.ACADEMIC_ASSIST_API_KEY || undefined);
  if (url && apiKey) {
    const source = flags.url || flags.apiKey ? "--url/--api-key" : "environment";
    return { baseURL: url, apiKey, projectId: null, source };
  }

  for (const path of [credentialsPath(env), ...discoveryCandidates(cwd, env)]) {
    const file = await readServerFile(path);
    if (!file) continue;
    if (url && !sameOrigin(url, file.url)) continue;
    return {
      baseURL: url ?? file.url,
      apiKey: apiKey ?? file.token,
      projectId: apiKey ? null : (file.projectId ?? null),
      source: path,
    };
  }

  if (url) {
    throw new ConfigError(
      `No API key for ${url}. Pass --api-key, set ACADEMIC_ASSIST_API_KEY, or run \`academic-assist login --url ${url}\`.`,
    );
  }
  throw new ConfigError(
    [
      "No Academic Assist server found.",
      "Start the local server with `npm start` in the academic-assist folder (it writes data/local-server.json, which this CLI finds),",
      "or set ACADEMIC_ASSIST_URL and ACADEMIC_ASSIST_API_KEY, or pass --url and --api-key.",
    ].join("\n"),
  );
}

/** The server URL to log in to: `--url`, else the environment, else the local server's. */
export async function resolveLoginURL(flagUrl: string | undefined, env: Env, cwd: string): Promise<string> {
  const url = flagUrl ?? (env.ACADEMIC_ASSIST_URL || undefined);
  if (url) return url;
  for (const path of discoveryCandidates(cwd, env)) {
    const file = await readServerFile(path);
    if (file) return file.url;
  }
  throw new ConfigError("Which server? Pass --url (e.g. --url https://assist.example.org).");
}

/** Saves a personal API token for `url`, readable by the user only. */
export async function saveCredentials(
  env: Env,
  credentials: { url: string; token: string },
): Promise<string> {
  const path = credentialsPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode only applies when it creates the file.
  await chmod(path, 0o600);
  return path;
}

/** Forgets the saved token; true if there was one. */
export async function removeCredentials(env: Env): Promise<boolean> {
  const path = credentialsPath(env);
  const existed = (await readServerFile(path)) !== null;
  await rm(path, { force: true });
  return existed;
}
