import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { createStacks, type AcademicAssistStacks } from "../src/app.ts";

/** The feature flags of cdk.json, so tests synthesise exactly what `cdk synth` does. */
const cdkJson = JSON.parse(readFileSync(new URL("../cdk.json", import.meta.url), "utf8")) as {
  context: Record<string, unknown>;
};

export interface Synthesised {
  stacks: AcademicAssistStacks;
  /** Templates by stack id (`AcademicAssist-Backend` …), from one synthesis of the whole app. */
  templates: Map<string, Template>;
  template(id: string): Template;
}

/** Synthesises the app once with `context` on top of cdk.json's (offline: no lookups, no credentials). */
export function synth(context: Record<string, unknown> = {}): Synthesised {
  const app = new App({ context: { ...cdkJson.context, ...context } });
  const stacks = createStacks(app);
  const assembly = app.synth();
  const templates = new Map(
    assembly.stacks.map((s) => [s.stackName, Template.fromJSON(s.template as Record<string, unknown>)]),
  );
  return {
    stacks,
    templates,
    template(id) {
      const t = templates.get(id);
      if (!t) throw new Error(`no stack ${id}; have ${[...templates.keys()].join(", ")}`);
      return t;
    },
  };
}
