import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  localPaths,
  mkdirPrivateSync,
  newId,
  nowIso,
  PRIVATE_FILE_MODE,
  type AppContext,
} from "@academic-assist/core";
import type { ServerConfig } from "./config.ts";
import type { AuthService } from "./modules/auth/auth.service.ts";

export const LOCAL_EMAIL = "local@academic-assist.localhost";

/** What the CLI and plugins read to find the local server without configuration. */
export interface Discovery {
  url: string;
  token: string;
  projectId: string;
  pid: number;
}

/** SECRET_KEY, or (local mode) a random key kept in DATA_DIR so sessions survive restarts. */
export function resolveSecret(config: ServerConfig): string {
  if (config.SECRET_KEY) return config.SECRET_KEY;
  const file = localPaths(config.dataDir).secret;
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(48).toString("base64url");
  mkdirPrivateSync(path.dirname(file));
  try {
    writeFileSync(file, secret + "\n", { mode: PRIVATE_FILE_MODE, flag: "wx" });
  } catch (e) {
    // Another process on the same DATA_DIR (a split role) made it first: use theirs.
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return readFileSync(file, "utf8").trim();
  }
  return secret;
}

function discoveryFiles(config: ServerConfig): string[] {
  const xdg = config.XDG_CONFIG_HOME ?? path.join(config.HOME ?? os.homedir(), ".config");
  return [localPaths(config.dataDir).discovery, path.join(xdg, "academic-assist", "local-server.json")];
}

function readDiscovery(config: ServerConfig): Discovery | null {
  try {
    return JSON.parse(readFileSync(localPaths(config.dataDir).discovery, "utf8")) as Discovery;
  } catch {
    return null;
  }
}

function writeDiscovery(config: ServerConfig, d: Discovery): void {
  for (const file of discoveryFiles(config)) {
    try {
      mkdirPrivateSync(path.dirname(file));
      writeFileSync(file, JSON.stringify(d, null, 2) + "\n", { mode: PRIVATE_FILE_MODE });
      // The mode above applies only to a new file: an older one may be more open. It holds a token.
      chmodSync(file, PRIVATE_FILE_MODE);
    } catch {
      // The XDG copy is a convenience; DATA_DIR's copy is the one that matters.
    }
  }
}

/**
 * Local mode's first start: a local user, a default project and an API token for the CLI and the
 * plugins, written (0600) where they look. Later starts reuse them, minting a new token only when
 * the discovery file was lost. Returns the token when it was just created, so it can be printed once.
 */
export async function bootstrapLocal(
  app: AppContext,
  auth: AuthService,
  config: ServerConfig,
  url: string,
): Promise<{ created: boolean; token: string; file: string }> {
  const file = localPaths(config.dataDir).discovery;
  let user = await app.repos.users.findByEmail(LOCAL_EMAIL);
  if (!user) user = await auth.createUser(LOCAL_EMAIL, "Local researcher", null);
  const previous = readDiscovery(config);
  const tokenStillValid = previous
    ? await auth.userForApiToken(previous.token).then(
        (r) => r.user.id === user.id,
        () => false,
      )
    : false;
  let projectId = previous?.projectId;
  if (!projectId || !(await app.repos.projects.roleOf(projectId, user.id))) {
    const mine = await app.repos.projects.listForUser(user.id, { limit: 1 });
    projectId = mine.items[0]?.id;
    if (!projectId) {
      const at = nowIso();
      projectId = (
        await app.repos.projects.create(
          {
            id: newId("prj"),
            name: "My library",
            description: "",
            language: "en",
            llm: null,
            createdAt: at,
            updatedAt: at,
          },
          user.id,
        )
      ).id;
    }
  }
  if (previous && tokenStillValid) {
    writeDiscovery(config, { ...previous, url, projectId, pid: process.pid });
    return { created: false, token: previous.token, file };
  }
  const { secret } = await auth.createApiToken(user.id, { name: "local (CLI and plugins)" });
  writeDiscovery(config, { url, token: secret, projectId, pid: process.pid });
  return { created: true, token: secret, file };
}
