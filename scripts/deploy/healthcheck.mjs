#!/usr/bin/env node
// @ts-check
/**
 * Container health probe, plain JavaScript so that it starts in tens of milliseconds without tsx
 * (the slim Node image has neither curl nor wget). Copied into both images as /app/healthcheck.mjs.
 *
 *   node healthcheck.mjs http <url>                 exit 0 when GET <url> answers 2xx within 4 s
 *   node healthcheck.mjs file <path> <maxAgeSec>    exit 0 when <path> was modified at most
 *                                                   <maxAgeSec> seconds ago (the worker heartbeat)
 *
 * Exit 1 otherwise, with the reason on stderr (Docker keeps it in `docker inspect`).
 */
import { statSync } from "node:fs";

const TIMEOUT_MS = 4000;

/** @param {string} reason */
function fail(reason) {
  process.stderr.write(`unhealthy: ${reason}\n`);
  process.exit(1);
}

const [mode, target, arg] = process.argv.slice(2);

if (mode === "http" && target) {
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) fail(`GET ${target} answered ${res.status}`);
    // A kept-alive socket would hold the probe open for seconds; it has its answer.
    process.exit(0);
  } catch (err) {
    fail(`GET ${target} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
} else if (mode === "file" && target && arg && Number(arg) > 0) {
  let mtimeMs;
  try {
    mtimeMs = statSync(target).mtimeMs;
  } catch {
    fail(`${target} does not exist (yet)`);
  }
  const ageS = (Date.now() - Number(mtimeMs)) / 1000;
  if (ageS > Number(arg)) fail(`${target} is ${Math.round(ageS)} s old (limit ${arg} s)`);
} else {
  process.stderr.write("usage: healthcheck.mjs http <url> | file <path> <maxAgeSeconds>\n");
  process.exit(2);
}
