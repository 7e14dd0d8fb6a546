/**
 * Readers for the deployment files, shared by the tests next to this file: docker-compose.yml
 * (YAML with merge keys and compose's `${VAR…}` interpolation), env files, and Dockerfiles. Only
 * the parts of each format these files use; anything else fails loudly rather than being guessed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const read = (file: string): string => readFileSync(path.join(ROOT, file), "utf8");

export interface ComposeHealthcheck {
  test?: string[] | string;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
  disable?: boolean;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  env_file?: string | string[] | { path: string }[];
  ports?: string[];
  expose?: string[];
  networks?: string[] | Record<string, unknown>;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: ComposeHealthcheck;
  volumes?: string[];
  restart?: string;
  stop_grace_period?: string;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
}

/** docker-compose.yml as docker compose sees it before interpolation (merge keys applied). */
export function readCompose(file = "docker-compose.yml"): ComposeFile {
  return parseYaml(read(file), { merge: true }) as ComposeFile;
}

/** KEY=VALUE lines of an env file (compose's format: `#` comments, no inline comments used here). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`env file: cannot read line ${JSON.stringify(raw)}`);
    out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, "$2");
  }
  return out;
}

export class MissingVariableError extends Error {
  constructor(readonly variable: string) {
    super(`required variable ${variable} is missing a value`);
  }
}

/**
 * Compose's interpolation: `$$` is a literal `$`; `${V}`, `${V:-default}`, `${V-default}`,
 * `${V:?error}`, `${V?error}`, `${V:+alt}`, `${V+alt}` and `$V`. Throws MissingVariableError for an
 * unset (or, with `:`, empty) `?` variable, as `docker compose up` refuses to start.
 */
export function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])((?:[^{}]|\$\{[^}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, name?: string, colon?: string, op?: string, word?: string, bare?: string) => {
      if (match === "$$") return "$";
      if (bare) return vars[bare] ?? "";
      const v = vars[name!];
      const unset = colon ? v === undefined || v === "" : v === undefined;
      switch (op) {
        case undefined:
          return v ?? "";
        case "-":
          return unset ? interpolate(word ?? "", vars) : v!;
        case "?":
          if (unset) throw new MissingVariableError(name!);
          return v!;
        case "+":
          return unset ? "" : interpolate(word ?? "", vars);
        default:
          throw new Error(`unsupported interpolation ${match}`);
      }
    },
  );
}

/** The variables a value reads, e.g. `mongodb://${U:-x}:${P:?}@h` → [U, P]. */
export function variablesIn(value: string): string[] {
  return [
    ...value.replace(/\$\$/g, "").matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g),
  ].map((m) => (m[1] ?? m[2])!);
}

export interface DockerInstruction {
  keyword: string;
  args: string;
  line: number;
}

export interface DockerStage {
  /** `FROM` image reference as written, e.g. `${NODE_IMAGE}`. */
  from: string;
  name: string | null;
  instructions: DockerInstruction[];
}

export interface Dockerfile {
  /** Global `ARG name=default` before the first FROM. */
  args: Record<string, string>;
  stages: DockerStage[];
}

/** Dockerfile instructions (continuations joined, comments dropped), grouped by stage. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: DockerInstruction[] = [];
  let pending = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) return;
    if (pending !== "" && line.startsWith("#")) return;
    if (pending === "") start = i + 1;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      return;
    }
    const full = (pending + line).trim();
    pending = "";
    const m = /^(\S+)\s*(.*)$/.exec(full);
    if (m) instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, line: start });
  });
  const out: Dockerfile = { args: {}, stages: [] };
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`FROM: cannot read ${ins.args}`);
      out.stages.push({ from: m[1]!, name: m[2] ?? null, instructions: [] });
    } else if (out.stages.length === 0) {
      if (ins.keyword !== "ARG") throw new Error(`${ins.keyword} before the first FROM`);
      const [name, def] = ins.args.split("=", 2);
      out.args[name!.trim()] = (def ?? "").trim();
    } else {
      out.stages.at(-1)!.instructions.push(ins);
    }
  }
  return out;
}

/** `ENV A=1 B="x y"` pairs of a stage, in order. */
export function stageEnv(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === "ENV")) {
    for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) {
      env[m[1]!] = m[3] ?? m[2]!;
    }
  }
  return env;
}
