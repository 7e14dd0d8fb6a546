// Bundles the extension into dist/extension.js (CommonJS, Node 20, `vscode` left external).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ["src/extension.ts"],
  outfile: "dist/extension.js",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["vscode"],
  sourcemap: "linked",
  sourcesContent: false,
  minify: process.argv.includes("--minify"),
  keepNames: true,
  legalComments: "linked",
  logLevel: "info",
});
