/**
 * Dockerfile.server, Dockerfile.worker and .dockerignore, checked without a Docker engine: Node 24
 * LTS slim pinned, multi-stage with the toolchain left behind, production dependencies only,
 * non-root, a health check, the OCR data baked in — that the sources the images run import
 * nothing `npm ci --omit=dev` leaves out — and that every image the deployment pulls is pinned by
 * digest (or listed, with why, until scripts/deploy/pin-images.sh pins it).
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, parseDockerfile, read, readCompose, stageEnv, type DockerStage } from "./deploy-files.ts";

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

/** `name:tag@sha256:<64 hex>`: what Docker pulls is fixed, whatever the tag points at later. */
const PINNED = /^[^@\s]+:[^@\s]+@sha256:[0-9a-f]{64}$/;

/** Every image the deployment pulls, as written in the files under `root`, with where it is used. */
function pulledImages(root = ROOT): Map<string, string[]> {
  const refs = new Map<string, string[]>();
  const add = (ref: string, where: string) => refs.set(ref, [...(refs.get(ref) ?? []), where]);
  for (const file of ["Dockerfile.server", "Dockerfile.worker"]) {
    const dockerfile = parseDockerfile(readFileSync(path.join(root, file), "utf8"));
    for (const stage of dockerfile.stages) {
      const from = stage.from.replace(/^\$\{(\w+)\}$/, (_, arg: string) => dockerfile.args[arg] ?? "");
      // A FROM naming an earlier stage pulls nothing.
      if (!dockerfile.stages.some((s) => s.name === from)) add(from, file);
    }
  }
  const compose = readCompose(path.relative(ROOT, path.join(root, "docker-compose.yml")));
  for (const [name, service] of Object.entries(compose.services)) {
    // Services built here run our own images (`${AA_SERVER_IMAGE:-…:local}`), not pulled ones.
    if (service.image && !service.build) add(service.image, `docker-compose.yml ${name}`);
  }
  return refs;
}

/** scripts/deploy/unpinned-images.txt: reference → why. */
function unpinnedList(root = ROOT): Map<string, string> {
  const text = readFileSync(path.join(root, "scripts/deploy/unpinned-images.txt"), "utf8");
  return new Map(
    text
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"))
      .map((l) => [l.split("#")[0]!.trim(), (l.split("#")[1] ?? "").trim()]),
  );
}

describe("images pinned by digest", () => {
  const images = pulledImages();
  const listed = unpinnedList();

  it("when the deployment pulls an image, then it is pinned by digest, or listed with a reason in unpinned-images.txt", () => {
    const unpinned = [...images.keys()].filter((ref) => !PINNED.test(ref));
    if (unpinned.length > 0)
      console.warn(
        `images not pinned by digest yet (run scripts/deploy/pin-images.sh where a registry is reachable): ${unpinned.join(", ")}`,
      );

    expect(images.size).toBeGreaterThanOrEqual(6);
    for (const ref of unpinned) {
      expect(listed.has(ref), `${ref} (${images.get(ref)!.join(", ")}) is unpinned and not listed`).toBe(
        true,
      );
      expect(listed.get(ref), `${ref} is listed without a reason`).not.toBe("");
    }
    // The stores whose digests could be verified are pinned.
    expect(
      images.has("mongo:7.0@sha256:b6421fd6d1c5ded6377b397d8983e2f82e2100dc5123332dcfda2065a472be5b"),
    ).toBe(true);
    expect([...images.keys()].filter((r) => r.startsWith("redis:")).every((r) => PINNED.test(r))).toBe(true);
  });

  it("when an image is listed as unpinned, then the files still pull it unpinned (no stale entries)", () => {
    for (const ref of listed.keys()) {
      expect(images.has(ref), `${ref} is listed but no file pulls it`).toBe(true);
      expect(PINNED.test(ref), `${ref} is listed but pinned`).toBe(false);
    }
  });

  it("when a reference is checked, then only name:tag@sha256:<64 hex> counts as pinned", () => {
    expect(PINNED.test("node:24.22.3-bookworm-slim")).toBe(false);
    expect(PINNED.test("node@sha256:" + "a".repeat(64))).toBe(false);
    expect(PINNED.test("node:24.22.3-bookworm-slim@sha256:" + "a".repeat(63))).toBe(false);
    expect(PINNED.test("node:24.22.3-bookworm-slim@sha256:" + "0a".repeat(32))).toBe(true);
  });

  describe("pin-images.sh (a stand-in `docker` answers for the registry, which this machine cannot reach)", () => {
    const work = mkdtempSync(path.join(os.tmpdir(), "aa-pin-images-"));
    const bin = path.join(work, "bin");
    const copy = path.join(work, "repo");
    mkdirSync(path.join(copy, "scripts/deploy"), { recursive: true });
    for (const f of [
      "Dockerfile.server",
      "Dockerfile.worker",
      "docker-compose.yml",
      "scripts/deploy/unpinned-images.txt",
    ])
      cpSync(path.join(ROOT, f), path.join(copy, f));
    mkdirSync(bin);
    // `docker buildx imagetools inspect <ref> --format '{{json .Manifest}}'`, as buildx prints it: the
    // manifest list's descriptor. The digest is sha256(<ref>), so each reference gets its own.
    writeFileSync(
      path.join(bin, "docker"),
      `#!/bin/sh
[ "$1 $2 $3" = "buildx imagetools inspect" ] || { echo "unexpected docker $*" >&2; exit 2; }
printf '{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":10233}\n' "$(printf '%s' "$4" | sha256sum | cut -c1-64)"
`,
    );
    chmodSync(path.join(bin, "docker"), 0o755);
    afterAll(() => {
      rmSync(work, { recursive: true, force: true });
    });
    const run = (...args: string[]) =>
      spawnSync("bash", [path.join(ROOT, "scripts/deploy/pin-images.sh"), ...args], {
        env: { ...process.env, AA_PIN_ROOT: copy, PATH: `${bin}:${process.env.PATH ?? ""}` },
        encoding: "utf8",
      });
    const sha = (ref: string) =>
      spawnSync("sh", ["-c", `printf '%s' "$0" | sha256sum | cut -c1-64`, ref], {
        encoding: "utf8",
      }).stdout.trim();

    it("when run, then every unpinned image is pinned to its tag's digest in place, pinned ones are kept, and the list is emptied", () => {
      const before = run("--check");
      const pin = run();
      const after = run("--check");
      const pinned = pulledImages(copy);
      const left = unpinnedList(copy);

      expect(before.status).toBe(1);
      expect(before.stderr).toContain("unpinned image: node:24.22.3-bookworm-slim");
      expect(pin.status, pin.stderr).toBe(0);
      expect(after.status, after.stderr).toBe(0);
      expect([...left.keys()]).toEqual([]);
      for (const ref of pinned.keys()) expect(ref, ref).toMatch(PINNED);
      for (const ref of listed.keys()) expect(pinned.has(`${ref}@sha256:${sha(ref)}`), ref).toBe(true);
      // Already pinned (verified) digests are not replaced by a plain run.
      expect(
        pinned.has("mongo:7.0@sha256:b6421fd6d1c5ded6377b397d8983e2f82e2100dc5123332dcfda2065a472be5b"),
      ).toBe(true);
      expect(pinned.get(`node:24.22.3-bookworm-slim@sha256:${sha("node:24.22.3-bookworm-slim")}`)).toEqual([
        "Dockerfile.server",
        "Dockerfile.server",
        "Dockerfile.worker",
        "Dockerfile.worker",
      ]);
    });
  });
});
