/**
 * Dockerfile.server, Dockerfile.worker and .dockerignore, checked without a Docker engine: Node 24
 * LTS slim pinned, multi-stage with the toolchain left behind, production dependencies only,
 * non-root, a health check, the OCR data baked in — and that the sources the images run import
 * nothing `npm ci --omit=dev` leaves out.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, parseDockerfile, read, stageEnv, type DockerStage } from "./deploy-files.ts";

const IMAGES = {
  server: { file: "Dockerfile.server", workspace: "server", packages: ["sdk", "core", "server"] },
  worker: { file: "Dockerfile.worker", workspace: "worker", packages: ["sdk", "core", "worker"] },
} as const;

const ins = (stage: DockerStage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

/** A .dockerignore pattern as a RegExp over context-relative paths (the subset the file uses). */
function ignoreRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/^\/+/, "")
    .split("/")
    .map((part) =>
      part === "**"
        ? "(?:.*)"
        : part
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]"),
    )
    .join("/")
    .replace(/\(\?:\.\*\)\//g, "(?:.*/)?");
  return new RegExp(`^${body}(?:/.*)?$`);
}

const dockerignore = read(".dockerignore")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const ignored = (p: string) => {
  let result = false;
  for (const pattern of dockerignore) {
    const negated = pattern.startsWith("!");
    if (ignoreRegExp(negated ? pattern.slice(1) : pattern).test(p)) result = !negated;
  }
  return result;
};

describe.each(Object.entries(IMAGES))("%s image", (name, image) => {
  const dockerfile = parseDockerfile(read(image.file));
  const final = dockerfile.stages.at(-1)!;
  const build = dockerfile.stages.slice(0, -1);

  it("when built, then every stage starts from a pinned Node 24 LTS slim image", () => {
    const base = dockerfile.args.NODE_IMAGE;

    expect(base).toMatch(/^node:24\.\d+\.\d+-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/);
    for (const stage of dockerfile.stages) expect(stage.from).toBe("${NODE_IMAGE}");
  });

  it("when built, then dependencies are installed in an earlier stage with the toolchain, which stays there", () => {
    const deps = build.find((s) => ins(s, "RUN").some((r) => /\bnpm ci\b/.test(r.args)));
    const install = deps && ins(deps, "RUN").find((r) => /\bnpm ci\b/.test(r.args))!.args;

    expect(build.length).toBeGreaterThanOrEqual(1);
    expect(install).toMatch(/--omit=dev/);
    expect(install).toMatch(new RegExp(`--workspace=${image.workspace}\\b`));
    expect(
      ins(deps!, "RUN").some((r) => /apt-get install.*\bg\+\+/.test(r.args) && /\bmake\b/.test(r.args)),
    ).toBe(true);
    for (const r of ins(final, "RUN")) expect(r.args).not.toMatch(/apt-get|npm (ci|install)|g\+\+/);
    expect(
      ins(final, "COPY").some((c) => new RegExp(`--from=${deps!.name} /app/node_modules`).test(c.args)),
    ).toBe(true);
  });

  it("when it runs, then it runs as an unprivileged user, in production mode, the package's main under tsx", () => {
    const users = ins(final, "USER");
    const cmd = JSON.parse(ins(final, "CMD").at(-1)!.args) as string[];

    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)!.args).not.toMatch(/^(root|0)(:|$)/);
    expect(users.at(-1)!.line).toBeLessThan(ins(final, "CMD").at(-1)!.line);
    expect(stageEnv(final).NODE_ENV).toBe("production");
    expect(cmd).toEqual(["node", "--import", "tsx", `${name}/src/main.ts`]);
    expect(existsSync(path.join(ROOT, cmd[3]!))).toBe(true);
  });

  it("when it runs, then Docker checks its health with the bundled probe", () => {
    const hc = ins(final, "HEALTHCHECK");

    expect(hc).toHaveLength(1);
    expect(hc[0]!.args).toMatch(/--interval=\d+s/);
    expect(hc[0]!.args).toMatch(/CMD node \/app\/healthcheck\.mjs (http|file) /);
    expect(
      ins(final, "COPY").some((c) => c.args === "scripts/deploy/healthcheck.mjs ./healthcheck.mjs"),
    ).toBe(true);
    expect(ins(final, "WORKDIR").at(-1)!.args).toBe("/app");
  });

  it("when the context is sent, then every file the image copies exists and .dockerignore keeps it", () => {
    const sources = dockerfile.stages
      .flatMap((s) => ins(s, "COPY"))
      .filter((c) => !c.args.includes("--from="))
      .flatMap((c) =>
        c.args
          .split(/\s+/)
          .filter((a) => !a.startsWith("--"))
          .slice(0, -1),
      );

    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(existsSync(path.join(ROOT, source)), source).toBe(true);
      expect(ignored(source), `${source} is excluded by .dockerignore`).toBe(false);
    }
    for (const pkg of image.packages) expect(sources).toContain(`${pkg}/src`);
    expect(sources).not.toContain(".");
  });
});

describe("worker image", () => {
  it("when built, then the eng and jpn 4.0.0_best_int OCR models are checked into the image", () => {
    const text = read("Dockerfile.worker");

    for (const lang of ["eng", "jpn"]) {
      expect(text).toContain(
        `test -s node_modules/@tesseract.js-data/${lang}/4.0.0_best_int/${lang}.traineddata.gz`,
      );
    }
    expect(stageEnv(parseDockerfile(text).stages.at(-1)!).WORKER_HEARTBEAT_FILE).toMatch(/^\/tmp\//);
  });
});

describe(".dockerignore", () => {
  it("when the build context is sent, then dependencies, local data, git history and secrets stay out", () => {
    for (const p of [
      "node_modules",
      "core/node_modules/x",
      "data",
      "data/academic-assist.db",
      ".git",
      ".env",
      ".env.local",
    ]) {
      expect(ignored(p), p).toBe(true);
    }
  });
});

describe("production dependency tree", () => {
  const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean; link?: boolean }>;
  };

  /** Non-test source files a running image loads. */
  function runtimeSources(dir: string): string[] {
    return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith(".ts"))
      .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
      .filter((f) => !/\.(test|fixture|suite)\.ts$/.test(f) && !/\/(testing|contracts)\//.test(f));
  }

  const packageOf = (specifier: string) =>
    specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;

  it.each(Object.entries(IMAGES))(
    "when the %s image runs, then every package its sources import is installed by npm ci --omit=dev",
    (_name, image) => {
      // tsx runs every entry point; the OCR models are resolved from a template (`@tesseract.js-data/${lang}`).
      const imported = new Set<string>(["tsx", "@tesseract.js-data/eng", "@tesseract.js-data/jpn"]);
      for (const pkg of image.packages) {
        for (const file of runtimeSources(`${pkg}/src`)) {
          const text = read(file);
          for (const m of text.matchAll(
            /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*["']([^"'.][^"']*)["']|import\(\s*["']([^"'.][^"']*)["']\s*\)|(?:require|\))\.resolve\(\s*[`"']([^`"'.$][^`"'$]*)/g,
          )) {
            const spec = (m[1] ?? m[2] ?? m[3])!;
            const complete = spec.startsWith("@") ? /^@[^/]+\/[^/]+/.test(spec) : true;
            if (!spec.startsWith("node:") && complete) imported.add(packageOf(spec));
          }
        }
      }

      expect(imported.size).toBeGreaterThan(10);
      for (const dep of imported) {
        const entry = lock.packages[`node_modules/${dep}`];
        expect(entry, `${dep} is in package-lock.json`).toBeDefined();
        expect(entry!.dev || entry!.devOptional, `${dep} is a production dependency`).toBeFalsy();
      }
    },
  );
});
