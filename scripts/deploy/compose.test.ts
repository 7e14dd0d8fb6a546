/**
 * docker-compose.yml, checked without a Docker engine: the original design's services, ports,
 * images, health checks, start order, volumes and networks; through the real config parsers, that
 * every variable the server and the worker require in production reaches each of them; and, from
 * the server's routing table, that each secret reaches exactly the services whose code uses it.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../core/src/config.ts";
import { parseServerConfig } from "../../server/src/config.ts";
import { areaOf } from "../../server/src/http/areas.ts";
import { endpointList } from "../../sdk/src/contract/index.ts";
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
const ONE_SHOT = ["s3-init", "mongodb-users"];

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

/** A credential's value in {@link filledEnv}: 64 hex characters, different for every variable. */
const secretValue = (name: string) => createHash("sha256").update(name).digest("hex");

/**
 * .env as an operator fills it in from .env.example: every credential gets its own value (64 hex
 * characters, like `openssl rand -hex 32`); everything else stays as shipped.
 */
function filledEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const env = { ...envExample };
  for (const [k, v] of Object.entries(env)) if (v === "" && SECRET_NAME.test(k)) env[k] = secretValue(k);
  return { ...env, ...overrides };
}

/** The environment a service's container gets from the compose file (interpolated from `dotenv`). */
function composeEnv(name: string, dotenv: Record<string, string>): Record<string, string> {
  const s = service(name);
  if (envFiles(s).length > 0) throw new Error(`${name}: env_file hands it every variable of the file`);
  return Object.fromEntries(
    Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ""), dotenv)]),
  );
}

/** The environment the process in `name` starts with: image ENV, then the compose `environment:`. */
function runtimeEnv(name: string, dotenv: Record<string, string>): Record<string, string> {
  const dockerfile = service(name).build?.dockerfile;
  if (!dockerfile) throw new Error(`${name} has no build.dockerfile`);
  return { ...stageEnv(parseDockerfile(read(dockerfile)).stages.at(-1)!), ...composeEnv(name, dotenv) };
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
    expect(service("redis").image).toMatch(/^redis:7(\.|@|$)/);
    expect(service("elasticsearch").image).toMatch(
      /^docker\.elastic\.co\/elasticsearch\/elasticsearch:8\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/,
    );
    expect(service("s3").image).toMatch(/^chrislusf\/seaweedfs:\d+\.\d+(@sha256:[0-9a-f]{64})?$/);
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
  it("when a container starts, then it never reads .env whole (only the variables its service names); git and the image build ignore .env", () => {
    for (const [name, s] of Object.entries(services)) expect(envFiles(s), name).toEqual([]);
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
    const env = runtimeEnv("document", filledEnv());

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
      expect.arrayContaining([
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "MONGO_APP_PASSWORD",
        "MONGO_ROOT_PASSWORD",
        "SECRET_KEY",
      ]),
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

/**
 * Which code needs which secret, from the code itself: the endpoints that touch originals or
 * resolve a language model, mapped to the role serving them by the server's routing table
 * (server/src/http/areas.ts). Move an endpoint to another area and the secret must move with it.
 */
const BLOB_ENDPOINTS = ["documents.upload", "documents.file", "documents.delete", "projects.delete"];
/** Calls a model (ask), resolves a project's model (note cache key, estimates), or checks a project's
 * choice of provider against the configured keys (LlmProviders.assertAvailable). */
const LLM_ENDPOINTS = [
  "projects.create",
  "projects.update",
  "projects.ask",
  "notes.create",
  "notes.estimate",
  "notes.estimateBatch",
];
const rolesServing = (ids: string[]): string[] =>
  [
    ...new Set(
      ids.map((id) => {
        const endpoint = endpointList.find((e) => e.id === id);
        if (!endpoint) throw new Error(`no endpoint ${id} in the contract`);
        return areaOf(endpoint);
      }),
    ),
  ].sort();

describe("docker-compose.yml: each container gets only the secrets its code uses", () => {
  const dotenv = filledEnv();
  const secrets = Object.keys(envExample).filter((k) => SECRET_NAME.test(k));
  /** The services whose environment carries `secret`'s value (as a variable, or inside a URL). */
  const holders = (secret: string) =>
    Object.keys(services)
      .filter((name) => Object.values(composeEnv(name, dotenv)).some((v) => v.includes(dotenv[secret]!)))
      .sort();
  const sorted = (...names: string[]) => [...new Set(names)].sort();

  it("when .env is filled in, then it holds exactly these credentials", () => {
    expect(secrets.sort()).toEqual([
      "ANTHROPIC_API_KEY",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "MONGO_APP_PASSWORD",
      "MONGO_ROOT_PASSWORD",
      "OPENAI_API_KEY",
      "SECRET_KEY",
    ]);
  });

  it("when SECRET_KEY is handed out, then only the server roles get it (they check JWTs and signed identities), never the worker or a store", () => {
    const needing = APP_SERVICES.filter((name) =>
      problemVariables(() =>
        parseFor(name)({ NODE_ENV: "production", SERVICE: String(service(name).environment?.SERVICE ?? "") }),
      ).includes("SECRET_KEY"),
    );

    expect(needing.sort()).toEqual([...ROLE_NAMES].sort());
    expect(holders("SECRET_KEY")).toEqual(sorted(...ROLE_NAMES));
  });

  it("when S3 credentials are handed out, then only the roles that store, serve or delete originals, the worker and the S3 store get them", () => {
    expect(rolesServing(BLOB_ENDPOINTS)).toEqual(["document", "project"]);
    for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
      expect(holders(key), key).toEqual(sorted(...rolesServing(BLOB_ENDPOINTS), "worker", "s3", "s3-init"));
  });

  it("when LLM keys are handed out, then only the roles that call, resolve or check a model and the worker get them", () => {
    expect(rolesServing(LLM_ENDPOINTS)).toEqual(["llm", "note", "project"]);
    for (const key of ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"])
      expect(holders(key), key).toEqual(sorted(...rolesServing(LLM_ENDPOINTS), "worker"));
  });

  it("when MongoDB credentials are handed out, then the app containers get the app user's and only the database and its user step get root's", () => {
    expect(holders("MONGO_APP_PASSWORD")).toEqual(sorted(...APP_SERVICES, "mongodb-users"));
    expect(holders("MONGO_ROOT_PASSWORD")).toEqual(sorted("mongodb", "mongodb-users"));
  });

  it("when a store starts, then it gets no application secret", () => {
    for (const store of ["redis", "elasticsearch"])
      expect(composeEnv(store, dotenv), store).toEqual(
        expect.not.objectContaining({ SECRET_KEY: expect.anything() }),
      );
    for (const secret of secrets)
      for (const store of ["redis", "elasticsearch"]) expect(holders(secret), secret).not.toContain(store);
  });
});

describe("docker-compose.yml: MongoDB least privilege", () => {
  const dotenv = filledEnv();
  const appUrl = new URL(runtimeEnv("worker", dotenv).MONGODB_URL!);
  const script = read("scripts/deploy/mongodb-app-user.js");
  const users = service("mongodb-users");
  const usersEnv = composeEnv("mongodb-users", dotenv);

  it("when an app container connects, then it is the application's user authenticated on the application's database, not root", () => {
    const rootUser = composeEnv("mongodb", dotenv).MONGO_INITDB_ROOT_USERNAME;

    for (const name of APP_SERVICES) expect(runtimeEnv(name, dotenv).MONGODB_URL, name).toBe(appUrl.href);
    expect(decodeURIComponent(appUrl.username)).toBe(usersEnv.MONGO_APP_USERNAME);
    expect(appUrl.username).not.toBe(rootUser);
    expect(appUrl.pathname).toBe(`/${usersEnv.MONGO_APP_DATABASE}`);
    expect(appUrl.searchParams.get("authSource")).toBe(usersEnv.MONGO_APP_DATABASE);
    expect(decodeURIComponent(appUrl.password)).toBe(dotenv.MONGO_APP_PASSWORD);
  });

  it("when the stack starts, then a one-shot creates that user before any app container starts", () => {
    const mount = (users.volumes ?? []).find((v) => v.startsWith("./scripts/deploy/mongodb-app-user.js:"));
    const target = mount?.split(":")[1];
    const command = Array.isArray(users.command) ? users.command : [];

    expect(users.image).toBe(service("mongodb").image);
    expect(mount).toMatch(/:ro$/);
    expect(command).toEqual(["mongosh", "--nodb", "--quiet", "--file", target]);
    expect(dependsOn(users)).toEqual({ mongodb: { condition: "service_healthy" } });
    // The gateway waits for the roles, which wait for this (the start-order test checks the chain).
    for (const name of APP_SERVICES.filter((n) => n !== "gateway"))
      expect(dependsOn(service(name))["mongodb-users"], name).toEqual({
        condition: "service_completed_successfully",
      });
  });

  it("when the user step runs, then it grants readWrite on the application's database and no other role, and keeps passwords off the command line", () => {
    const grants = [...script.matchAll(/\{\s*role:\s*"([^"]+)",\s*db:\s*(\w+)\s*\}/g)].map((m) => [
      m[1],
      m[2],
    ]);

    expect(grants).toEqual([["readWrite", "database"]]);
    expect(script).toMatch(/const database = env\.MONGO_APP_DATABASE/);
    expect(script).toMatch(/createUser\(\{ user: appUser, pwd: appPassword, roles \}\)/);
    expect(script).toMatch(/updateUser\(appUser, \{ pwd: appPassword, roles \}\)/);
    expect(script).not.toMatch(/"(root|dbOwner|dbAdmin|userAdmin\w*|clusterAdmin|\w+AnyDatabase)"/);
    expect(JSON.stringify(users.command)).not.toMatch(/PASSWORD|\$\$/);
    expect(usersEnv.MONGO_APP_PASSWORD).not.toBe(usersEnv.MONGO_ROOT_PASSWORD);
  });
});

describe("docker-compose.yml: the worker's metrics, health and drain", () => {
  const env = runtimeEnv("worker", filledEnv());
  const config = parseWorkerConfig(env);
  const seconds = (d: string | undefined) => {
    const m = /^(\d+)s$/.exec(d ?? "");
    if (!m) throw new Error(`not a duration in seconds: ${d}`);
    return Number(m[1]);
  };

  it("when Prometheus scrapes the backend network, then the worker serves /metrics on an exposed port", () => {
    expect(config.WORKER_METRICS_PORT).toBe(9464);
    expect(config.WORKER_METRICS_HOST).toBe("0.0.0.0");
    expect(service("worker").expose).toEqual([String(config.WORKER_METRICS_PORT)]);
    expect(service("worker").ports ?? []).toEqual([]);
  });

  it("when Docker checks the worker, then it asks its /healthz (alive = consumers running, queue answering)", () => {
    expect(healthTest(service("worker"))).toBe(
      `CMD node /app/healthcheck.mjs http http://127.0.0.1:${config.WORKER_METRICS_PORT}/healthz`,
    );
    // The heartbeat file stays on for the image's own HEALTHCHECK outside compose.
    expect(config.WORKER_HEARTBEAT_FILE).toMatch(/^\/tmp\//);
  });

  it("when the worker is stopped, then its drain deadline ends before Docker's grace period", () => {
    expect(config.WORKER_DRAIN_TIMEOUT_S).toBeLessThan(seconds(service("worker").stop_grace_period));
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
