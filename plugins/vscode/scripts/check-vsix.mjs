#!/usr/bin/env node
// Checks the packed extension: node plugins/vscode/scripts/check-vsix.mjs [path/to/file.vsix]
// Reads the .vsix (a zip) with node:zlib only, then checks extension/package.json (commands, menus,
// settings, untrusted-workspace capability, engine) and that the bundle is in and the sources are not.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inflateRawSync } from "node:zlib";
import { manifestProblems } from "./manifest-checks.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The entries of a zip file: name → () => contents. Supports stored and deflated entries. */
export function readZip(buffer) {
  const eocdSig = 0x06054b50;
  let eocd = -1;
  for (let i = buffer.length - 22; i >= Math.max(0, buffer.length - 22 - 0xffff); i--) {
    if (buffer.readUInt32LE(i) === eocdSig) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip file (no end of central directory)");
  const count = buffer.readUInt16LE(eocd + 10);
  let p = buffer.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let n = 0; n < count; n++) {
    if (buffer.readUInt32LE(p) !== 0x02014b50) throw new Error("corrupt central directory");
    const method = buffer.readUInt16LE(p + 10);
    const compressed = buffer.readUInt32LE(p + 20);
    const nameLen = buffer.readUInt16LE(p + 28);
    const extraLen = buffer.readUInt16LE(p + 30);
    const commentLen = buffer.readUInt16LE(p + 32);
    const local = buffer.readUInt32LE(p + 42);
    const name = buffer.toString("utf8", p + 46, p + 46 + nameLen);
    entries.set(name, () => {
      const dataStart = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
      const data = buffer.subarray(dataStart, dataStart + compressed);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`${name}: unsupported compression method ${method}`);
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

export function vsixProblems(file) {
  const entries = readZip(readFileSync(file));
  const problems = [];
  const manifestEntry = entries.get("extension/package.json");
  if (!manifestEntry) return ["extension/package.json is missing"];
  const manifest = JSON.parse(manifestEntry().toString("utf8"));
  problems.push(...manifestProblems(manifest));
  const main = `extension/${String(manifest.main ?? "").replace(/^\.\//, "")}`;
  if (!entries.has(main)) problems.push(`${main} (the manifest's main) is not in the package`);
  for (const name of ["extension/readme.md", "extension/LICENSE.txt", "extension.vsixmanifest"]) {
    if (![...entries.keys()].some((k) => k.toLowerCase() === name.toLowerCase()))
      problems.push(`${name} is missing`);
  }
  for (const name of entries.keys()) {
    if (
      /^extension\/(src|node_modules|scripts)\//.test(name) ||
      /\.ts$/.test(name) ||
      /tsconfig/.test(name)
    ) {
      problems.push(`${name} should not ship (see .vscodeignore)`);
    }
  }
  return problems;
}

function defaultVsix() {
  const found = readdirSync(root).filter((f) => /^academic-assist-.*\.vsix$/.test(f));
  if (found.length === 0)
    throw new Error(`no academic-assist-*.vsix in ${root}; run npm run package -w plugins/vscode`);
  const version = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version;
  const exact = `academic-assist-${version}.vsix`;
  return path.join(root, found.includes(exact) ? exact : found.sort().at(-1));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ? path.resolve(process.argv[2]) : defaultVsix();
  const problems = vsixProblems(file);
  if (problems.length > 0) {
    console.error(`${path.relative(process.cwd(), file)}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    process.exit(1);
  }
  console.log(
    `${path.relative(process.cwd(), file)}: manifest OK (commands, menus, settings, untrusted workspaces, engine)`,
  );
}
