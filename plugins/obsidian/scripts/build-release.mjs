#!/usr/bin/env node
// @ts-check
/**
 * Builds the Obsidian release: bundles main.js (failing on any Node built-in), checks the manifest
 * and copies main.js, manifest.json and versions.json into plugins/obsidian/release/ — the three
 * files a user copies into <vault>/.obsidian/plugins/academic-assist/ or that BRAT downloads.
 * Usage: node plugins/obsidian/scripts/build-release.mjs
 */
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundle, pluginRoot } from "./bundle.mjs";

/**
 * Every problem with the manifest and versions.json, as sentences; empty when they are fine.
 * @param {any} manifest
 * @param {any} versions
 * @param {any} pkg
 * @returns {string[]}
 */
export function manifestProblems(manifest, versions, pkg) {
  const problems = [];
  if (manifest.id !== "academic-assist")
    problems.push(`manifest id is ${JSON.stringify(manifest.id)}, expected "academic-assist"`);
  if (manifest.isDesktopOnly !== false)
    problems.push("manifest isDesktopOnly must be false (the plugin runs on mobile)");
  for (const key of ["name", "version", "minAppVersion", "description", "author"]) {
    if (typeof manifest[key] !== "string" || manifest[key].trim() === "")
      problems.push(`manifest ${key} is missing`);
  }
  if (typeof manifest.version === "string" && !/^\d+\.\d+\.\d+$/.test(manifest.version)) {
    problems.push(`manifest version ${manifest.version} is not x.y.z (Obsidian compares plain semver)`);
  }
  if (versions?.[manifest.version] === undefined) {
    problems.push(`versions.json has no entry for ${manifest.version}`);
  } else if (versions[manifest.version] !== manifest.minAppVersion) {
    problems.push(
      `versions.json maps ${manifest.version} to ${versions[manifest.version]}, but minAppVersion is ${manifest.minAppVersion}`,
    );
  }
  if (pkg && pkg.version !== manifest.version)
    problems.push(`package.json version ${pkg.version} differs from manifest ${manifest.version}`);
  if (/obsidian/i.test(manifest.id ?? "")) problems.push('manifest id must not contain "obsidian"');
  return problems;
}

async function main() {
  const readJson = async (/** @type {string} */ name) =>
    JSON.parse(await readFile(path.join(pluginRoot, name), "utf8"));
  const [manifest, versions, pkg] = await Promise.all([
    readJson("manifest.json"),
    readJson("versions.json"),
    readJson("package.json"),
  ]);
  const problems = manifestProblems(manifest, versions, pkg);
  if (problems.length > 0) {
    console.error(`Obsidian release: the manifest is not valid:\n  - ${problems.join("\n  - ")}`);
    process.exit(1);
  }
  const { code } = await bundle();
  const release = path.join(pluginRoot, "release");
  await rm(release, { recursive: true, force: true });
  await mkdir(release, { recursive: true });
  for (const file of ["main.js", "manifest.json", "versions.json"]) {
    await copyFile(path.join(pluginRoot, file), path.join(release, file));
  }
  console.log(
    `Obsidian release ${manifest.version}: ${path.relative(process.cwd(), release)}/ (main.js ${(code.length / 1024).toFixed(0)} KiB, manifest.json, versions.json)`,
  );
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
