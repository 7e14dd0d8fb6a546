/**
 * .github/workflows/deploy.yml against what a deployment needs (actionlint, run by
 * scripts/ci/actionlint.sh, checks the syntax and expressions; this checks the intent).
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { ROOT, read } from "./deploy-files.ts";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  id?: string;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  environment?: string;
  strategy?: { matrix: Record<string, unknown> & { include?: Record<string, string>[] } };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[] } | null>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  jobs: Record<string, Job>;
}

const workflow = (file: string) => parseYaml(read(`.github/workflows/${file}`)) as Workflow;
const deploy = workflow("deploy.yml");
const steps = (job: string) => deploy.jobs[job]!.steps;
const step = (job: string, action: string) => steps(job).find((s) => s.uses?.startsWith(`${action}@`));

describe("deploy workflow", () => {
  it("when main is pushed, then it runs, one deployment at a time and never cancelled halfway", () => {
    expect(deploy.on.push?.branches).toEqual(["main"]);
    expect(deploy.concurrency?.group).toBeTruthy();
    expect(deploy.concurrency?.["cancel-in-progress"]).toBe(false);
    expect(deploy.permissions).toEqual({ contents: "read" });
  });

  it("when it runs, then it first installs, typechecks, lints and tests", () => {
    const runs = steps("test").flatMap((s) => (s.run ? [s.run.trim()] : []));

    expect(runs).toEqual(["npm ci", "npm run build", "npm run lint", "npm test"]);
  });

  it("when an action is used, then it is pinned to a full commit SHA", () => {
    for (const file of readdirSync(path.join(ROOT, ".github/workflows"))) {
      for (const job of Object.values(workflow(file).jobs)) {
        for (const s of job.steps) if (s.uses) expect(s.uses, `${file}: ${s.uses}`).toMatch(/@[0-9a-f]{40}$/);
      }
    }
  });

  it("when it talks to AWS, then it assumes a role through OIDC and holds no long-lived keys", () => {
    const text = read(".github/workflows/deploy.yml");

    for (const job of ["image", "deploy"]) {
      expect(deploy.jobs[job]!.permissions?.["id-token"], job).toBe("write");
      const creds = step(job, "aws-actions/configure-aws-credentials");
      expect(creds?.with?.["role-to-assume"], job).toBeTruthy();
    }
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
  });

  it("when images are built, then each goes to its own ECR repository, tagged with the commit", () => {
    const image = deploy.jobs.image!;
    const push = step("image", "docker/build-push-action")!;

    expect(image.needs).toBe("test");
    expect(image.strategy?.matrix.image).toEqual(["server", "worker"]);
    expect(push.with?.file).toBe("Dockerfile.${{ matrix.image }}");
    expect(push.with?.push).toBe(true);
    expect(String(push.with?.tags)).toMatch(/\/\$\{\{ matrix\.image \}\}:\$\{\{ github\.sha \}\}$/);
    expect(
      existsSync(path.join(ROOT, "Dockerfile.server")) && existsSync(path.join(ROOT, "Dockerfile.worker")),
    ).toBe(true);
  });

  it("when it deploys, then every service gets a rendered task definition and the run waits for stability", () => {
    const job = deploy.jobs.deploy!;
    const include = job.strategy?.matrix.include ?? [];
    const render = step("deploy", "aws-actions/amazon-ecs-render-task-definition")!;
    const rollout = step("deploy", "aws-actions/amazon-ecs-deploy-task-definition")!;

    expect(job.needs).toBe("image");
    expect(include.map((i) => i.service).sort()).toEqual(
      ["auth", "document", "gateway", "llm", "note", "project", "worker"].sort(),
    );
    for (const i of include) expect(i.image, i.service).toBe(i.service === "worker" ? "worker" : "server");
    expect(String(render.with?.image)).toContain("${{ matrix.image }}:${{ github.sha }}");
    expect(rollout.with?.["task-definition"]).toBe(`\${{ steps.${render.id!}.outputs.task-definition }}`);
    expect(rollout.with?.["wait-for-service-stability"]).toBe(true);
  });
});

describe("ci workflow", () => {
  it("when a branch or pull request is pushed, then CI runs .ci/run", () => {
    const ci = workflow("ci.yml");

    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["pull_request", "push"]));
    expect(Object.values(ci.jobs).flatMap((j) => j.steps.map((s) => s.run))).toContain(".ci/run");
  });
});
