// The manifest VS Code reads, and the bundle it loads: built from this workspace the way
// `npm run package` builds them, then checked (the .vsix itself is checked by scripts/check-vsix.mjs).
import { build } from "esbuild";
import { mkdtempSync, readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { extensionManifest } from "../scripts/manifest.mjs";
import { manifestProblems, REQUIRED_COMMANDS } from "../scripts/manifest-checks.mjs";
import { createExtensionContext, resetDouble, ui, vscodeDouble } from "./test/vscode-double.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as Record<string, unknown>;

interface Manifest {
  name: string;
  engines: { vscode: string };
  type?: string;
  contributes: {
    commands: { command: string; title: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    configuration: { properties: Record<string, { default: unknown }> };
  };
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
}

describe("extension manifest", () => {
  const manifest = extensionManifest(pkg) as unknown as Manifest;

  it("when the manifest is built from package.json, then it passes every check the .vsix check makes", () => {
    expect(manifestProblems(manifest)).toEqual([]);
  });

  it("when VS Code reads it, then the extension is academic-assist for VS Code 1.100+, CommonJS, with every command", () => {
    expect(manifest.name).toBe("academic-assist");
    expect(manifest.engines.vscode).toBe("^1.100.0");
    expect(manifest.type).toBeUndefined();
    expect(manifest.contributes.commands.map((c) => c.command)).toEqual(
      expect.arrayContaining(REQUIRED_COMMANDS),
    );
    expect(manifest.contributes.commands.every((c) => c.command.startsWith("academic-assist."))).toBe(true);
  });

  it("when a PDF or a folder is right-clicked in the explorer, then the processing commands are offered", () => {
    const explorer = manifest.contributes.menus["explorer/context"]!;

    expect(explorer).toContainEqual(
      expect.objectContaining({ command: "academic-assist.processPdf", when: "resourceExtname == .pdf" }),
    );
    expect(explorer).toContainEqual(
      expect.objectContaining({ command: "academic-assist.processFolder", when: "explorerResourceIsFolder" }),
    );
  });

  it("when the workspace is untrusted, then the server URL and notes folder cannot come from it", () => {
    expect(manifest.capabilities.untrustedWorkspaces).toMatchObject({
      supported: "limited",
      restrictedConfigurations: ["academic-assist.serverUrl", "academic-assist.notesFolder"],
    });
    expect(manifest.contributes.configuration.properties["academic-assist.serverUrl"]!.default).toBe(
      "http://127.0.0.1:8000",
    );
    expect(manifest.contributes.configuration.properties["academic-assist.notesFolder"]!.default).toBe(
      "notes",
    );
  });

  it("when the esbuild bundle is loaded as CommonJS, then activate registers exactly the contributed commands", async () => {
    const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), "aa-bundle-")), "extension.js");
    await build({
      absWorkingDir: root,
      entryPoints: ["src/extension.ts"],
      outfile,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      external: ["vscode"],
      logLevel: "silent",
    });
    const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
    const original = loader._load;
    loader._load = function (request: string, ...rest: unknown[]) {
      return request === "vscode" ? vscodeDouble : original.call(this, request, ...rest);
    };
    resetDouble([]);
    const context = createExtensionContext();
    try {
      const bundle = createRequire(import.meta.url)(outfile) as { activate(c: unknown): unknown };
      bundle.activate(context);

      const registered = (await vscodeDouble.commands.getCommands()).filter((c) =>
        c.startsWith("academic-assist."),
      );
      expect(registered.sort()).toEqual(manifest.contributes.commands.map((c) => c.command).sort());
      expect(ui.treeProviders.has("academicAssist.library")).toBe(true);
      expect(ui.statusBarItems).toHaveLength(1);
    } finally {
      loader._load = original;
      for (const d of context.subscriptions.reverse()) d.dispose();
    }
  });
});
