// npm run package -w plugins/vscode: bundle with esbuild, stage the extension (manifest, bundle,
// README, LICENSE, media) and pack it with vsce into academic-assist-<version>.vsix. Offline.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { extensionManifest } from "./manifest.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);

execFileSync(process.execPath, [path.join(root, "scripts/build.mjs"), "--minify"], { stdio: "inherit" });

const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const manifest = extensionManifest(pkg);
const stage = path.join(root, "dist", "vsix-stage");
rmSync(stage, { recursive: true, force: true });
mkdirSync(path.join(stage, "dist"), { recursive: true });
writeFileSync(path.join(stage, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
for (const file of ["README.md", "LICENSE", ".vscodeignore", "media"]) {
  cpSync(path.join(root, file), path.join(stage, file), { recursive: true });
}
cpSync(path.join(root, "dist", "extension.js"), path.join(stage, "dist", "extension.js"));

const vsix = path.join(root, `${manifest.name}-${manifest.version}.vsix`);
const vsce = path.join(path.dirname(require.resolve("@vscode/vsce/package.json")), "vsce");
execFileSync(
  process.execPath,
  [vsce, "package", "--no-dependencies", "--no-update-package-json", "--out", vsix],
  {
    cwd: stage,
    stdio: "inherit",
  },
);
console.log(`Packaged ${path.relative(process.cwd(), vsix)}`);
