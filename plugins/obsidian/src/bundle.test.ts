/// <reference types="node" />
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { bundle, forbiddenRequires, pluginRoot } from "../scripts/bundle.mjs";
import { manifestProblems } from "../scripts/build-release.mjs";
import { COMMAND_IDS } from "./commands.ts";

vi.mock("obsidian", () => import("./test/obsidian-double.ts"));

const readJson = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(pluginRoot, name), "utf8"));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "test" ? [] : sourceFiles(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [full] : [];
  });
}

describe("mobile safety (no Node modules)", () => {
  it("when the plugin is bundled, then main.js requires nothing but obsidian — no Node built-in", async () => {
    const { code } = await bundle({ write: false });

    expect(forbiddenRequires(code)).toEqual([]);
    expect(code).not.toMatch(
      /require\(["'](node:)?(fs|path|os|crypto|child_process|http|https|net|stream|buffer|url|util)["']\)/,
    );
    expect(code).not.toMatch(/\bprocess\.(env|cwd|platform|versions)\b/);
  }, 60_000);

  it("when a bundle requires fs, node:path or an unknown package, then the check names them", () => {
    const code = 'var a=require("fs"),b=require("node:path"),c=require("obsidian"),d=require("left-pad");';

    expect(forbiddenRequires(code)).toEqual(["fs", "left-pad", "node:path"]);
  });

  it("when the plugin's sources are scanned, then none imports a Node built-in (the lint rule's equivalent)", () => {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const offenders: string[] = [];

    for (const file of sourceFiles(path.join(pluginRoot, "src"))) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)["']([^"']+)["']/g)) {
        const name = m[1]!;
        if (builtins.has(name) || builtins.has(name.split("/")[0]!))
          offenders.push(`${path.relative(pluginRoot, file)}: ${name}`);
      }
      if (/<reference types="node"/.test(text))
        offenders.push(`${path.relative(pluginRoot, file)}: node types`);
    }

    expect(offenders).toEqual([]);
  });
});

describe("release manifest", () => {
  it("when the release is checked, then the manifest is valid, mobile-enabled, and its version is in versions.json", () => {
    const manifest = readJson("manifest.json");

    expect(manifestProblems(manifest, readJson("versions.json"), readJson("package.json"))).toEqual([]);
    expect(manifest).toMatchObject({ id: "academic-assist", isDesktopOnly: false, version: "0.1.0" });
  });

  it("when the manifest is desktop-only or its version is missing from versions.json, then the check says so", () => {
    const problems = manifestProblems(
      {
        id: "academic-assist",
        name: "x",
        version: "0.2.0",
        minAppVersion: "1.8.7",
        description: "x",
        author: "x",
        isDesktopOnly: true,
      },
      { "0.1.0": "1.8.7" },
      { version: "0.2.0" },
    );

    expect(problems.join("\n")).toMatch(/isDesktopOnly/);
    expect(problems.join("\n")).toMatch(/versions\.json has no entry for 0\.2\.0/);
  });

  it("when the command ids are listed, then they are the shipped ones", () => {
    expect(COMMAND_IDS).toEqual([
      "process-pdf",
      "process-folder",
      "generate-note",
      "search-library",
      "ask-library",
      "sync-status",
    ]);
  });
});
