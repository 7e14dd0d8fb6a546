import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createContext, createLogger, type AppContext } from "@academic-assist/core";
import { endpointList } from "@academic-assist/sdk/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SECRET } from "../../test/harness.ts";
import { createApp } from "../app.ts";
import { AREAS, parseServerConfig, type Area } from "../config.ts";
import { areaOf } from "./areas.ts";

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Contract routes (`METHOD /path` under /api/v1) an Express app has registered. */
function apiRoutes(stack: Layer[], inApi = false): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route && inApi) {
      for (const method of Object.keys(layer.route.methods)) {
        out.push(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, "{$1}")}`);
      }
    } else if (layer.handle?.stack) {
      out.push(...apiRoutes(layer.handle.stack, true));
    }
  }
  return out;
}

const key = (e: { method: string; path: string }) => `${e.method.toUpperCase()} ${e.path}`;

describe("areas of the split topology", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "aa-areas-"));
  let app: AppContext;
  const env = { DATA_DIR: dataDir, LOG_LEVEL: "silent", NODE_ENV: "test", LOCAL_BOOTSTRAP: "false" } as const;

  beforeAll(async () => {
    app = await createContext(parseServerConfig(env), createLogger({ name: "test", level: "silent" }));
  });

  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const routesOf = (service: string) => {
    const config = parseServerConfig({ ...env, SERVICE: service });
    const built = createApp({ app, config, secret: TEST_SECRET });
    const stack = (built.express as unknown as { router: { stack: Layer[] } }).router.stack;
    built.close();
    return apiRoutes(stack).sort();
  };

  it("when the endpoint registry is walked, then every endpoint has an area", () => {
    const unassigned = endpointList.filter((e) => {
      try {
        areaOf(e);
        return false;
      } catch {
        return true;
      }
    });

    expect(unassigned.map((e) => e.id)).toEqual([]);
  });

  it("when each role starts, then it mounts exactly its own area's routes and together they mount every route once", () => {
    const mounted = Object.fromEntries(AREAS.map((area) => [area, routesOf(area)])) as Record<Area, string[]>;

    for (const area of AREAS) {
      const expected = endpointList
        .filter((e) => areaOf(e) === area)
        .map(key)
        .sort();
      expect(mounted[area], `routes of SERVICE=${area}`).toEqual(expected);
    }
    const all = AREAS.flatMap((area) => mounted[area]);
    expect(all.sort()).toEqual(endpointList.map(key).sort());
    expect(new Set(all).size).toBe(all.length);
  });

  it("when SERVICE=all starts, then it mounts every route of the registry", () => {
    expect(routesOf("all")).toEqual(endpointList.map(key).sort());
  });

  it("when docs/architecture.md's area table is read, then it lists every endpoint once, in the area the code routes it to", () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, "../../../docs/architecture.md"), "utf8");
    const rows = [...doc.matchAll(/^\|\s*`([A-Z]+ \/[^`]*)`\s*\|\s*(\w+)\s*\|/gm)].map(
      (m) => [m[1]!, m[2]!] as const,
    );

    const documented = new Map<string, string[]>();
    for (const [route, area] of rows) documented.set(route, [...(documented.get(route) ?? []), area]);
    const expected = endpointList.map((e) => [key(e), areaOf(e)] as const);

    expect([...documented.keys()].sort()).toEqual(expected.map(([route]) => route).sort());
    for (const [route, area] of expected) expect(documented.get(route), route).toEqual([area]);
  });
});

describe("server configuration of the roles", () => {
  it("when SERVICE=gateway has no upstream URLs, then boot fails listing every missing one", () => {
    const attempt = () =>
      parseServerConfig({ SERVICE: "gateway", API_BASE_URL_PROJECT: "http://127.0.0.1:8002" });

    expect(attempt).toThrow(/API_BASE_URL_AUTH/);
    expect(attempt).toThrow(/API_BASE_URL_DOCUMENT[\s\S]*API_BASE_URL_LLM[\s\S]*API_BASE_URL_NOTE/);
    expect(attempt).not.toThrow(/API_BASE_URL_PROJECT/);
  });

  it("when an upstream URL has a path or is not http(s), then boot fails naming it", () => {
    expect(() => parseServerConfig({ API_BASE_URL_NOTE: "http://note:8005/api" })).toThrow(
      /API_BASE_URL_NOTE/,
    );
    expect(() => parseServerConfig({ API_BASE_URL_LLM: "ftp://llm:8004" })).toThrow(/API_BASE_URL_LLM/);
  });

  it.each([
    ["all", 8000],
    ["gateway", 8000],
    ["auth", 8001],
    ["project", 8002],
    ["document", 8003],
    ["llm", 8004],
    ["note", 8005],
  ])("when SERVICE=%s starts without PORT, then it listens on %i", (service, port) => {
    const urls = {
      API_BASE_URL_AUTH: "http://a:1",
      API_BASE_URL_PROJECT: "http://a:2",
      API_BASE_URL_DOCUMENT: "http://a:3",
      API_BASE_URL_LLM: "http://a:4",
      API_BASE_URL_NOTE: "http://a:5",
    };

    expect(parseServerConfig({ SERVICE: service, ...urls }).PORT).toBe(port);
    expect(parseServerConfig({ SERVICE: service, PORT: "9123", ...urls }).PORT).toBe(9123);
  });
});
