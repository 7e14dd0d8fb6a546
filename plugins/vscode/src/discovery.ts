import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** What a local server (`npm start`) writes so that the CLI and plugins find it. */
export interface LocalServer {
  url: string;
  token: string;
  projectId: string | null;
}

/** Whether `url` points at this machine (only then may the local discovery file's token be used). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Same scheme, host and port, ignoring a trailing slash or `/api/v1`. */
export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** `<XDG_CONFIG_HOME or ~/.config>/academic-assist/local-server.json`. */
export function discoveryFile(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "academic-assist", "local-server.json");
}

/**
 * The local server's token for `serverUrl`, if `serverUrl` is a loopback URL and the discovery file
 * describes a server at that same origin. Anything else (a remote URL, another port, a malformed
 * file) gives null: the token is never offered to a server it was not made for.
 */
export async function readLocalServer(
  serverUrl: string,
  env: Record<string, string | undefined>,
): Promise<LocalServer | null> {
  if (!isLoopbackUrl(serverUrl)) return null;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(discoveryFile(env), "utf8"));
  } catch {
    return null;
  }
  if (typeof json !== "object" || json === null) return null;
  const o = json as Record<string, unknown>;
  if (typeof o.url !== "string" || typeof o.token !== "string" || o.token === "") return null;
  if (!isLoopbackUrl(o.url) || !sameOrigin(o.url, serverUrl)) return null;
  return { url: o.url, token: o.token, projectId: typeof o.projectId === "string" ? o.projectId : null };
}
