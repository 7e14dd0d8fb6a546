/// <reference types="node" />
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, credentialsPath, resolveConnection, saveCredentials } from "./config.ts";

let root: string;
let env: Record<string, string | undefined>;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "aa-cli-config-"));
  env = { HOME: join(root, "home"), XDG_CONFIG_HOME: join(root, "xdg") };
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeJson(path: string, value: unknown) {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, JSON.stringify(value));
}

const local = { url: "http://127.0.0.1:8000", token: "aa_local", projectId: "prj_local", pid: 1 };

describe("resolveConnection", () => {
  it("when flags are given, then they win over the environment and files", async () => {
    env.ACADEMIC_ASSIST_URL = "http://env:1";
    env.ACADEMIC_ASSIST_API_KEY = "aa_env";
    await writeJson(join(root, "data", "local-server.json"), local);

    const c = await resolveConnection({ url: "http://flag:1", apiKey: "aa_flag" }, env, root);

    expect(c).toEqual({
      baseURL: "http://flag:1",
      apiKey: "aa_flag",
      projectId: null,
      source: "--url/--api-key",
    });
  });

  it("when only the environment is set, then it is used", async () => {
    env.ACADEMIC_ASSIST_URL = "http://env:1";
    env.ACADEMIC_ASSIST_API_KEY = "aa_env";

    const c = await resolveConnection({}, env, root);

    expect(c).toMatchObject({ baseURL: "http://env:1", apiKey: "aa_env", source: "environment" });
  });

  it("when run in a subfolder of a checkout, then ./data/local-server.json is found walking up", async () => {
    const file = join(root, "data", "local-server.json");
    await writeJson(file, local);
    const cwd = join(root, "papers", "2026");
    await mkdir(cwd, { recursive: true });

    const c = await resolveConnection({}, env, cwd);

    expect(c).toEqual({ baseURL: local.url, apiKey: "aa_local", projectId: "prj_local", source: file });
  });

  it("when there is no local data folder, then the XDG copy is used", async () => {
    const file = join(root, "xdg", "academic-assist", "local-server.json");
    await writeJson(file, local);

    expect((await resolveConnection({}, env, join(root, "elsewhere"))).source).toBe(file);
  });

  it("when XDG_CONFIG_HOME is unset, then ~/.config is used", async () => {
    delete env.XDG_CONFIG_HOME;
    await writeJson(join(root, "home", ".config", "academic-assist", "local-server.json"), local);

    expect((await resolveConnection({}, env, root)).apiKey).toBe("aa_local");
  });

  it("when a login token is saved, then it is preferred over the discovery file", async () => {
    await writeJson(join(root, "data", "local-server.json"), local);
    await saveCredentials(env, { url: "https://team.example", token: "aa_team" });

    const c = await resolveConnection({}, env, root);

    expect(c).toMatchObject({
      baseURL: "https://team.example",
      apiKey: "aa_team",
      source: credentialsPath(env),
    });
    expect((await stat(credentialsPath(env))).mode & 0o777).toBe(0o600);
  });

  it("when --url names another server, then the local token is not sent there", async () => {
    await writeJson(join(root, "data", "local-server.json"), local);

    await expect(resolveConnection({ url: "https://evil.example" }, env, root)).rejects.toThrow(
      /No API key for https:\/\/evil/,
    );
    await expect(resolveConnection({ url: "http://127.0.0.1:8000/" }, env, root)).resolves.toMatchObject({
      apiKey: "aa_local",
    });
  });

  it("when the discovery file is malformed, then it is skipped", async () => {
    await mkdir(join(root, "data"), { recursive: true });
    await writeFile(join(root, "data", "local-server.json"), "{ not json");

    await expect(resolveConnection({}, env, root)).rejects.toBeInstanceOf(ConfigError);
  });

  it("when nothing is configured, then the error says how to start the local server", async () => {
    await expect(resolveConnection({}, env, root)).rejects.toThrow(/npm start/);
  });
});
