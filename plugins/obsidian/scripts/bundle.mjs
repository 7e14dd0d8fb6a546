// @ts-check
/**
 * The plugin's esbuild bundle, shared by `build-release.mjs` and the bundle test: one CommonJS file,
 * `main.js`, that Obsidian loads on desktop and mobile. Obsidian mobile has no Node, so the build
 * fails if anything in the bundle still requires a Node built-in.
 */
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import esbuild from "esbuild";

export const pluginRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** What Obsidian provides at runtime (the sample plugin's list, minus Node built-ins). */
export const EXTERNAL = ["obsidian", "electron", "@codemirror/*", "@lezer/*"];

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * The `require(...)` targets in a CommonJS bundle that Obsidian would not be able to satisfy on
 * mobile: Node built-ins, and anything that is not one of the externals.
 * @param {string} code
 * @returns {string[]}
 */
export function forbiddenRequires(code) {
  const found = new Set();
  for (const m of code.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) {
    const name = /** @type {string} */ (m[1]);
    const allowed = name === "obsidian" || name.startsWith("@codemirror/") || name.startsWith("@lezer/");
    if (NODE_BUILTINS.has(name) || name.startsWith("node:") || !allowed) found.add(name);
  }
  return [...found].sort();
}

/**
 * Bundles src/main.ts. Throws if esbuild fails or the output requires a forbidden module.
 * @param {{ outfile?: string, write?: boolean, minify?: boolean }} [options]
 * @returns {Promise<{ code: string, outfile: string }>}
 */
export async function bundle(options = {}) {
  const outfile = options.outfile ?? path.join(pluginRoot, "main.js");
  const result = await esbuild.build({
    absWorkingDir: pluginRoot,
    entryPoints: [path.join(pluginRoot, "src/main.ts")],
    outfile,
    bundle: true,
    format: "cjs",
    // `browser`: a Node built-in anywhere in the import graph is a resolve error, not a silent require.
    platform: "browser",
    target: "es2022",
    external: EXTERNAL,
    conditions: ["browser", "import", "default"],
    logLevel: "silent",
    sourcemap: false,
    treeShaking: true,
    minify: options.minify ?? true,
    legalComments: "none",
    write: options.write ?? true,
    metafile: true,
  });
  const output = result.outputFiles?.[0]?.text;
  const { readFile } = await import("node:fs/promises");
  const code = output ?? (await readFile(outfile, "utf8"));
  const bad = forbiddenRequires(code);
  if (bad.length > 0) {
    throw new Error(`main.js requires modules Obsidian mobile does not have: ${bad.join(", ")}`);
  }
  return { code, outfile };
}
