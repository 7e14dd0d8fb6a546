/**
 * docker-compose.yml, checked without a Docker engine: the original design's services, ports,
 * images, health checks, start order, volumes and networks, and — through the real config parsers —
 * that every variable the server and the worker require in production reaches each of them.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../core/src/config.ts";
import { parseServerConfig } from "../../server/src/config.ts";
import { parseWorkerConfig } from "../../worker/src/config.ts";
import {
  MissingVariableError,
  ROOT,
  interpolate,
  parseDockerfile,
  parseEnvFile,
  read,
  readCompose,
  stageEnv,
  variablesIn,
  type ComposeService,
} from "./deploy-files.ts";

const compose = readCompose();
const services = compose.services;
const envExample = parseEnvFile(read(".env.example"));

const ROLES = { gateway: 8000, auth: 8001, project: 8002, document: 8003, llm: 8004, note: 8005 } as const;
type Role = keyof typeof ROLES;
const ROLE_NAMES = Object.keys(ROLES) as Role[];
const UPSTREAM_ROLES = ROLE_NAMES.filter((r) => r !== "gateway");
const APP_SERVICES = [...ROLE_NAMES, "worker"];
const STORES = ["mongodb", "redis", "elasticsearch", "s3"];
const ONE_SHOT = ["s3-init"];

/** Names that hold credentials; their values must come from .env, never from the compose file. */
const SECRET_NAME = /SECRET|PASSWORD|API_KEY|ACCESS_KEY|TOKEN|PRIVATE/;

const service = (name: string): ComposeService => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
const networksOf = (s: ComposeService) =>
  Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {});
const dependsOn = (s: ComposeService) => {
  if (Array.isArray(s.depends_on)) throw new Error("depends_on must use the long form with a condition");
  return s.depends_on ?? {};
};
const envFiles = (s: ComposeService): string[] =>
  s.env_file === undefined
    ? []
    : (Array.isArray(s.env_file) ? s.env_file : [s.env_file]).map((f) =>
        typeof f === "string" ? f : f.path,
      );
const healthTest = (s: ComposeService) => {
  const t = s.healthcheck?.test;
  return Array.isArray(t) ? t.join(" ") : (t ?? "");
};
/** Container port of a `ports:` entry such as `${GATEWAY_BIND:-127.0.0.1}:8000:8000`. */
const containerPort = (entry: string) => Number(entry.split(":").at(-1)!.split("/")[0]);

/**
 * .env as an operator fills it in from .env.example: every credential gets a value (64 hex
 * characters, like `openssl rand -hex 32`); everything else stays as shipped.
 */
function filledEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const env = { ...envExample };
  for (const [k, v] of Object.entries(env))
    if (v === "" && SECRET_NAME.test(k)) env[k] = "0123456789abcdef".repeat(4);
  return { ...env, ...overrides };
}

/** The environment the process in `name` starts with: image ENV, then env_file, then `environment:`. */
function runtimeEnv(name: string, dotenv: Record<string, string>): Record<string, string> {
  const s = service(name);
  const dockerfile = s.build?.dockerfile;
  if (!dockerfile) throw new Error(`${name} has no build.dockerfile`);
  const env: Record<string, string> = { ...stageEnv(parseDockerfile(read(dockerfile)).stages.at(-1)!) };
  for (const file of envFiles(s)) {
    if (file !== ".env") throw new Error(`${name}: unexpected env_file ${file}`);
    Object.assign(env, dotenv);
  }
  for (const [k, v] of Object.entries(s.environment ?? {})) env[k] = interpolate(String(v ?? ""), dotenv);
  return env;
}

const parseFor = (name: string) => (name === "worker" ? parseWorkerConfig : parseServerConfig);

/** The variables a ConfigError names, e.g. "  - SECRET_KEY: required when …" → SECRET_KEY. */
function problemVariables(run: () => unknown): string[] {
  try {
    run();
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...e.problems.matchAll(/^\s*- ([A-Z][A-Z0-9_]*)\b/gm)].map((m) => m[1]!);
  }
}

describe("docker-compose.yml topology", () => {
  it("when read, then it has the original design's services and nothing else", () => {
    expect(Object.keys(services).sort()).toEqual([...APP_SERVICES, ...STORES, ...ONE_SHOT].sort());
  });

  it("when a server role starts, then it runs the server image with SERVICE and PORT of its role", () => {
    const images = new Set<string | undefined>();
    for (const role of ROLE_NAMES) {
      const s = service(role);

      expect(s.build).toEqual({ context: ".", dockerfile: "Dockerfile.server" });
      expect(s.environment?.SERVICE).toBe(role);
      expect(Number(s.environment?.PORT)).toBe(ROLES[role]);
      expect(healthTest(s)).toContain(`http://127.0.0.1:${ROLES[role]}/healthz`);
      images.add(s.image);
    }
    expect(images.size).toBe(1);
    expect(service("worker").build).toEqual({ context: ".", dockerfile: "Dockerfile.worker" });
    expect(service("worker").image).not.toBe([...images][0]);
  });

  it("when the gateway proxies an area, then API_BASE_URL_<AREA> points at that role's service and port", () => {
    const env = service("gateway").environment ?? {};

    for (const role of UPSTREAM_ROLES) {
      const url = new URL(String(env[`API_BASE_URL_${role.toUpperCase()}`]));
      expect(url.hostname).toBe(role);
      expect(Number(url.port)).toBe(ROLES[role]);
      expect(services[url.hostname]).toBeDefined();
    }
  });

  it("when published, then only the gateway has a host port (8000) and only it joins the frontend network", () => {
    const published = Object.entries(services).filter(([, s]) => (s.ports ?? []).length > 0);

    expect(published.map(([n]) => n)).toEqual(["gateway"]);
    expect(service("gateway").ports!.map(containerPort)).toEqual([8000]);
    for (const [name, s] of Object.entries(services)) {
      expect(networksOf(s), name).toContain("backend");
      expect(networksOf(s).includes("frontend"), name).toBe(name === "gateway");
    }
    expect(Object.keys(compose.networks ?? {}).sort()).toEqual(["backend", "frontend"]);
  });

  it("when the stores start, then they are MongoDB ≥ 6, Redis 7, Elasticsearch 8 and an S3-compatible server", () => {
    const major = (image: string | undefined) => Number(/:(\d+)/.exec(image ?? "")?.[1]);

    expect(service("mongodb").image).toMatch(/^mongo:/);
    expect(major(service("mongodb").image)).toBeGreaterThanOrEqual(6);
    expect(service("redis").image).toMatch(/^redis:7(\.|$)/);
    expect(service("elasticsearch").image).toMatch(
      /^docker\.elastic\.co\/elasticsearch\/elasticsearch:8\.\d+\.\d+$/,
    );
    expect(service("s3").image).toMatch(/^chrislusf\/seaweedfs:\d+\.\d+$/);
  });

  it("when Redis runs, then it keeps an append-only file and never evicts keys (BullMQ needs both)", () => {
    const cmd = service("redis").command;
    const args = Array.isArray(cmd) ? cmd.map(String) : String(cmd).split(/\s+/);
    const flag = (name: string) => args[args.indexOf(`--${name}`) + 1];

    expect(args[0]).toBe("redis-server");
    expect(flag("appendonly")).toBe("yes");
    expect(flag("maxmemory-policy")).toBe("noeviction");
  });

  it("when Elasticsearch runs, then it is one node with security off (private network only)", () => {
    const env = service("elasticsearch").environment ?? {};

    expect(env["discovery.type"]).toBe("single-node");
    expect(String(env["xpack.security.enabled"])).toBe("false");
    expect(networksOf(service("elasticsearch"))).toEqual(["backend"]);
  });

  it("when a long-running service runs, then it has a health check; the one-shot bucket step does not restart", () => {
    for (const name of [...APP_SERVICES, ...STORES]) {
      const hc = service(name).healthcheck;
      expect(hc?.disable, name).not.toBe(true);
      expect(healthTest(service(name)), name).toMatch(/^(CMD|CMD-SHELL) /);
    }
    for (const name of ONE_SHOT) expect(service(name).restart).toBe("no");
    expect(healthTest(service("worker"))).toMatch(/healthcheck\.mjs file \/tmp\/\S+ \d+/);
  });

  it("when services start, then each waits on its dependencies' health (or a one-shot's success), without cycles", () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(dependsOn(s))) {
        expect(services[dep], `${name} → ${dep}`).toBeDefined();
        if (ONE_SHOT.includes(dep)) {
          expect(condition, `${name} → ${dep}`).toBe("service_completed_successfully");
        } else {
          expect(condition, `${name} → ${dep}`).toBe("service_healthy");
          expect(services[dep]!.healthcheck?.test, `${dep} has no health check`).toBeDefined();
        }
      }
    }
    const reach = (from: string, seen: string[] = []): string[] => {
      if (seen.includes(from)) throw new Error(`depends_on cycle: ${[...seen, from].join(" → ")}`);
      return Object.keys(dependsOn(service(from))).flatMap((d) => [d, ...reach(d, [...seen, from])]);
    };
    for (const name of APP_SERVICES) {
      for (const store of [...STORES, ...ONE_SHOT])
        expect(reach(name), `${name} waits for ${store}`).toContain(store);
    }
    expect(Object.keys(dependsOn(service("gateway"))).sort()).toEqual([...UPSTREAM_ROLES].sort());
  });

  it("when a store keeps data, then it is on a named volume declared at the top level", () => {
    const mounts: Record<string, string> = {
      mongodb: "/data/db",
      redis: "/data",
      elasticsearch: "/usr/share/elasticsearch/data",
      s3: "/data",
    };
    const declared = Object.keys(compose.volumes ?? {});

    for (const [name, target] of Object.entries(mounts)) {
      const volume = (service(name).volumes ?? []).find((v) => v.split(":")[1] === target);
      expect(volume, `${name} mounts ${target}`).toBeDefined();
      const source = volume!.split(":")[0]!;
      expect(source, `${name} uses a named volume, not a host path`).toMatch(/^[a-z0-9][a-z0-9_.-]*$/);
      expect(declared).toContain(source);
    }
  });
});

describe("docker-compose.yml secrets and environment", () => {
  it("when an app service starts, then it reads .env, which git and the image build both ignore", () => {
    for (const name of APP_SERVICES) expect(envFiles(service(name)), name).toEqual([".env"]);
    expect(read(".gitignore").split("\n")).toContain(".env");
    expect(read(".dockerignore").split("\n")).toContain(".env");
    expect(existsSync(path.join(ROOT, ".env.example"))).toBe(true);
  });

  it("when .env.example is read, then it names the original design's variables and ships no secret value", () => {
    for (const name of [
      "SECRET_KEY",
      "ANTHROPIC_API_KEY",
      "ANTHROPIC_MODEL",
      "OPENAI_API_KEY",
      "OPENAI_MODEL",
    ]) {
      expect(Object.keys(envExample), name).toContain(name);
    }
    for (const [k, v] of Object.entries(envExample)) if (SECRET_NAME.test(k)) expect(v, k).toBe("");
  });

  it("when the app services start, then the stores reach them under the original design's names", () => {
    const env = runtimeEnv("auth", filledEnv());

    expect(env.MONGODB_URL).toMatch(/^mongodb:\/\/[^@]+@mongodb:27017\//);
    expect(env.REDIS_HOST).toBe("redis");
    expect(env.REDIS_PORT).toBe("6379");
    expect(env.ELASTICSEARCH_URL).toBe("http://elasticsearch:9200");
    expect(env.S3_ENDPOINT).toBe("http://s3:8333");
    expect(env.S3_BUCKET_NAME).toBe(envExample.S3_BUCKET_NAME);
    expect(env.S3_REGION).toBe(envExample.S3_REGION);
    expect(env.NODE_ENV).toBe("production");
  });

  it("when a variable holds a credential, then the compose file only refers to .env and never defaults it", () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [key, raw] of Object.entries(s.environment ?? {})) {
        const value = String(raw ?? "");
        if (SECRET_NAME.test(key)) {
          expect(value, `${name}.${key}`).toMatch(/^\$\{[A-Z0-9_]+(:?\?[^}]*)?\}$/);
        }
        // Credentials inside URLs (mongodb://user:password@host) likewise.
        const userinfo = /^[a-z+]+:\/\/([^@/]*)@/.exec(value)?.[1];
        const password = userinfo && /^(?:\$\{[^}]*\}|[^:$]*):(.+)$/.exec(userinfo)?.[1];
        if (userinfo) expect(password, `${name}.${key}`).toMatch(/^\$\{[A-Z0-9_]+:?\?[^}]*\}$/);
      }
    }
    expect(read("docker-compose.yml")).not.toMatch(/sk-ant-|sk-[A-Za-z0-9]{20}|AKIA[0-9A-Z]{16}/);
  });

  it("when .env still has an empty credential, then compose refuses to start rather than run without it", () => {
    const required = new Set(
      Object.values(services).flatMap((s) =>
        Object.values(s.environment ?? {}).flatMap((v) =>
          [...String(v).matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]!),
        ),
      ),
    );

    expect([...required].sort()).toEqual(
      expect.arrayContaining(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "MONGO_PASSWORD"]),
    );
    for (const name of required) {
      expect(envExample[name], `${name} is in .env.example`).toBe("");
      const users = Object.values(services).filter((s) =>
        Object.values(s.environment ?? {}).some((v) => variablesIn(String(v)).includes(name)),
      );
      for (const s of users) {
        const interpolateAll = () => {
          for (const v of Object.values(s.environment ?? {}))
            interpolate(String(v), filledEnv({ [name]: "" }));
        };
        expect(interpolateAll).toThrow(MissingVariableError);
      }
    }
    // …and every variable the file reads is one .env.example documents (or has a default).
    const composeText = read("docker-compose.yml");
    for (const v of new Set(variablesIn(composeText))) {
      const documented = v in envExample || new RegExp(`\\$\\{${v}:?-`).test(composeText);
      expect(documented, `${v} is in .env.example or has a default`).toBe(true);
    }
  });
});

describe("docker-compose.yml against the config schemas", () => {
  // Derived at test time from the zod schemas and their checks: what a production process with
  // nothing else set is told is missing, per service (SECRET_KEY everywhere, the gateway's upstreams…).
  const requiredInProduction = (name: string): string[] => {
    const role = service(name).environment?.SERVICE;
    return problemVariables(() =>
      parseFor(name)({ NODE_ENV: "production", ...(role ? { SERVICE: String(role) } : {}) }),
    );
  };

  it("when nothing is set in production, then the schemas require SECRET_KEY on the server roles (not the worker) and the upstreams on the gateway", () => {
    expect(requiredInProduction("worker")).not.toContain("SECRET_KEY");
    expect(requiredInProduction("auth")).toContain("SECRET_KEY");
    expect(requiredInProduction("gateway")).toEqual(
      expect.arrayContaining(UPSTREAM_ROLES.map((r) => `API_BASE_URL_${r.toUpperCase()}`)),
    );
  });

  it.each(APP_SERVICES)(
    "when %s starts from .env.example filled in, then every required variable is provided and its config parses",
    (name) => {
      const env = runtimeEnv(name, filledEnv());

      for (const variable of requiredInProduction(name)) expect(env[variable], variable).toBeTruthy();
      expect(() => parseFor(name)(env)).not.toThrow();
      expect(env.NODE_ENV).toBe("production");
    },
  );

  it.each(["anthropic", "openai"])(
    "when LLM_PROVIDER=%s, then the key it requires is in .env.example and every service's config parses",
    (provider) => {
      const needed = problemVariables(() => parseWorkerConfig({ LLM_PROVIDER: provider }));

      expect(needed.length).toBeGreaterThan(0);
      for (const variable of needed) expect(Object.keys(envExample), variable).toContain(variable);
      for (const name of APP_SERVICES) {
        const env = runtimeEnv(name, filledEnv({ LLM_PROVIDER: provider }));
        expect(() => parseFor(name)(env), name).not.toThrow();
      }
    },
  );
});
