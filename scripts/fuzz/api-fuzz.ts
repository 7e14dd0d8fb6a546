/**
 * `npm run test:api-fuzz`: schemathesis over every operation of the OpenAPI document, against a real
 * local backend (server + worker processes, embedded stores, temp DATA_DIR).
 *
 * 1. A Python venv with a pinned schemathesis under ~/.cache/academic-assist/ (made once, reused).
 * 2. The backend started as `npm start` runs it; seeded through the SDK with what path parameters
 *    need: the local user's project, a processed corpus PDF, its job and note, a custom template, a
 *    colleague as member, and separate throwaway objects for every DELETE (so deleting never takes
 *    the fixtures the other operations run on).
 * 3. schemathesis with the checks named below, bounded examples per operation; the ids go in through
 *    its config file (`parameters`, per operation where a DELETE needs its own object).
 * 4. A summary per operation; exit 1 on any failure or error.
 *
 * Options: `--max-examples N` (default 10), `--seed N | random` (default a fixed one), `--keep` (leave
 * the report folder with schemathesis's config and ndjson events),
 * `--include <operationId regex>` (only those operations, for fixing one finding at a time).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openAsBlob, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { AcademicAssist } from "@academic-assist/sdk";
import { corpusDir, startLocalBackend, type LocalBackend } from "../testing/local-backend.ts";

/** Pinned: a new schemathesis can bring new checks; upgrade deliberately. */
const SCHEMATHESIS_VERSION = "4.32.5";
const CHECKS = [
  "not_a_server_error",
  "status_code_conformance",
  "content_type_conformance",
  "response_schema_conformance",
  "negative_data_rejection",
];
const FIXTURE_PDF = "papers/test1.pdf";
/**
 * The default seed: CI runs the same cases every time, so a red run is a change, not luck. Pass
 * `--seed random` (or a number) to explore other cases; schemathesis prints the seed it used.
 */
const DEFAULT_SEED = "20261207";

const { values: args } = parseArgs({
  options: {
    "max-examples": { type: "string", default: "10" },
    seed: { type: "string", default: DEFAULT_SEED },
    keep: { type: "boolean", default: false },
    include: { type: "string" },
  },
});

/** The venv with schemathesis: reused when its `st` reports the pinned version, else (re)made. */
function ensureSchemathesis(): string {
  const venv = path.join(os.homedir(), ".cache", "academic-assist", `schemathesis-${SCHEMATHESIS_VERSION}`);
  const st = path.join(venv, "bin", "st");
  const version = () => {
    try {
      return execFileSync(st, ["--version"], { encoding: "utf8" });
    } catch {
      return "";
    }
  };
  if (version().includes(SCHEMATHESIS_VERSION)) return st;
  console.log(`== installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv}`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(path.dirname(venv), { recursive: true });
  execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
  execFileSync(
    path.join(venv, "bin", "pip"),
    ["install", "--quiet", "--disable-pip-version-check", `schemathesis==${SCHEMATHESIS_VERSION}`],
    { stdio: "inherit" },
  );
  if (!version().includes(SCHEMATHESIS_VERSION)) throw new Error(`schemathesis did not install into ${venv}`);
  return st;
}

interface Fixtures {
  token: string;
  /** Path parameters every operation uses. */
  common: Record<string, string>;
  /**
   * Per operation id: parameters (`path.<name>`, `query.<name>`) that operation uses instead: its
   * own throwaway objects to delete, or a bound on how long it may wait.
   */
  perOperation: Record<string, Record<string, string>>;
}

/** Seeds the backend through the SDK, as a user would, and returns the ids the operations need. */
async function seed(backend: LocalBackend): Promise<Fixtures> {
  const client = new AcademicAssist({ baseURL: backend.url, apiKey: backend.token });
  const projectId = backend.projectId;
  const pdf = await openAsBlob(path.join(corpusDir, FIXTURE_PDF), { type: "application/pdf" });

  const uploaded = await client.documents.upload(projectId, pdf, { filename: "test1.pdf" });
  const document = await client.documents.waitUntilDone(uploaded.document.id, { timeout: 180_000 });
  const { note } = await client.notes.create(document.id, { template: "summary" });
  await client.notes.waitUntilDone(note.id, { timeout: 180_000 });
  const template = await client.templates.create(projectId, {
    name: "Fuzz template",
    skeleton: "# {{title}}\n\n{{section:Summary}}\n\n{{section:Methods}}\n",
  });
  const colleague = { email: "colleague@example.org", password: "correct horse battery", name: "Colleague" };
  const { user: other } = await client.auth.register(colleague);
  await client.projects.members.add(projectId, { email: colleague.email, role: "editor" });

  // What the DELETE operations remove: their own objects, never the fixtures above.
  const doomedProject = await client.projects.create({ name: "Fuzz: deleted by projects.delete" });
  const spare = await client.projects.create({ name: "Fuzz: spare objects for the other deletes" });
  await client.projects.members.add(spare.id, { email: colleague.email, role: "viewer" });
  const spareDoc = await client.documents.upload(spare.id, pdf, { filename: "spare.pdf" });
  const spareNote = await client.notes.create(document.id, { template: "summary" });
  const spareTemplate = await client.templates.create(spare.id, {
    name: "Spare",
    skeleton: "# {{title}}\n\n{{section:Summary}}\n",
  });
  const spareToken = await client.tokens.create({ name: "Fuzz: revoked by tokens.revoke" });

  return {
    token: backend.token,
    common: {
      projectId,
      documentId: document.id,
      noteId: note.id,
      templateId: template.id,
      jobId: uploaded.job?.id ?? "",
      userId: other.id,
      tokenId: spareToken.id,
    },
    perOperation: {
      "projects.delete": { "path.projectId": doomedProject.id },
      "members.remove": { "path.projectId": spare.id, "path.userId": other.id },
      "documents.delete": { "path.documentId": spareDoc.document.id },
      "notes.delete": { "path.noteId": spareNote.note.id },
      "templates.delete": { "path.templateId": spareTemplate.id },
      // The long-poll still runs, for 1 s: generated waits of up to 30 s each took half the run.
      "events.stream": { "query.wait": "1" },
    },
  };
}

const toml = (value: string) => JSON.stringify(value);
const tomlTable = (entries: Record<string, string>) =>
  `{ ${Object.entries(entries)
    .map(([k, v]) => `${toml(k)} = ${toml(v)}`)
    .join(", ")} }`;

function configFile(fixtures: Fixtures, baseUrl: string): string {
  const lines = [
    `base-url = ${toml(`${baseUrl}/api/v1`)}`,
    `headers = { Authorization = ${toml(`Bearer ${fixtures.token}`)} }`,
    // One worker: CPython 3.11 can fail compiling patterns in two threads at once ("AST constructor
    // recursion depth mismatch"), which schemathesis reports as an error of the operation.
    `workers = 1`,
    `request-timeout = 30`,
    "",
    `[parameters]`,
    ...Object.entries(fixtures.common).map(([k, v]) => `"path.${k}" = ${toml(v)}`),
    "",
  ];
  for (const [id, params] of Object.entries(fixtures.perOperation)) {
    lines.push(
      `[[operations]]`,
      `include-operation-id = ${toml(id)}`,
      `parameters = ${tomlTable(params)}`,
      "",
    );
  }
  return lines.join("\n");
}

interface CheckRecord {
  name: string;
  status: string;
  failure_info?: { failure?: { code?: string; title?: string; message?: string } };
}
interface ScenarioFinished {
  status: string;
  recorder: { label: string; checks?: Record<string, CheckRecord[]> };
}

/** Operations tested and their failures (check, code, title), from schemathesis's ndjson report. */
function summarise(ndjsonPath: string): { operations: Set<string>; failed: Map<string, Set<string>> } {
  const operations = new Set<string>();
  const failed = new Map<string, Set<string>>();
  if (!existsSync(ndjsonPath)) return { operations, failed };
  for (const line of readFileSync(ndjsonPath, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as {
      ScenarioFinished?: ScenarioFinished;
      NonFatalError?: { label: string; value: { type: string; message: string } };
    };
    if (event.NonFatalError) {
      const { label, value } = event.NonFatalError;
      failed.set(label, (failed.get(label) ?? new Set()).add(`error: ${value.type}: ${value.message}`));
    }
    const finished = event.ScenarioFinished;
    if (!finished || finished.status === "skip") continue;
    const label = finished.recorder.label;
    operations.add(label);
    for (const check of Object.values(finished.recorder.checks ?? {}).flat()) {
      if (check.status !== "failure") continue;
      const f = check.failure_info?.failure;
      const reasons = failed.get(label) ?? new Set<string>();
      reasons.add(
        `${check.name}${f ? ` (${f.code ?? "?"} ${f.title ?? ""}): ${(f.message ?? "").replaceAll("\n", "; ")}` : ""}`,
      );
      failed.set(label, reasons);
    }
  }
  return { operations, failed };
}

async function main(): Promise<number> {
  if (!existsSync(path.join(corpusDir, FIXTURE_PDF))) {
    console.error(
      `api-fuzz: ${path.join(corpusDir, FIXTURE_PDF)} is missing (the fuzz run needs one real PDF).`,
    );
    return 1;
  }
  const st = ensureSchemathesis();
  const work = mkdtempSync(path.join(os.tmpdir(), "aa-api-fuzz-"));
  console.log("== starting a local backend (server + worker, embedded stores)");
  const backend = await startLocalBackend({ LOG_LEVEL: "error", ALLOW_REGISTRATION: "true" });
  try {
    console.log("== seeding: a processed PDF, a note, a template, a colleague, objects to delete");
    const fixtures = await seed(backend);
    const config = path.join(work, "schemathesis.toml");
    writeFileSync(config, configFile(fixtures, backend.url));
    const ndjson = path.join(work, "events.ndjson");
    const stArgs = [
      "--config-file",
      config,
      "run",
      `${backend.url}/api/v1/openapi.json`,
      "--checks",
      CHECKS.join(","),
      "--max-examples",
      args["max-examples"],
      "--report",
      "ndjson",
      "--report-ndjson-path",
      ndjson,
      "--no-color",
      ...(args.seed === "random" ? [] : ["--seed", args.seed]),
      ...(args.include ? ["--include-operation-id-regex", args.include] : []),
    ];
    console.log(`== schemathesis ${SCHEMATHESIS_VERSION}: ${CHECKS.join(", ")}`);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(st, stArgs, { cwd: work, stdio: "inherit" });
      child.on("exit", (c) => {
        resolve(c ?? 1);
      });
    });
    const { operations, failed } = summarise(ndjson);
    console.log(`\n== api-fuzz summary: ${operations.size} operations tested, ${failed.size} with failures`);
    for (const [label, reasons] of failed) console.log(`  ${label}\n    ${[...reasons].join("\n    ")}`);
    console.log(`api-fuzz: ${operations.size - failed.size} passed, ${failed.size} failed`);
    return code === 0 && failed.size === 0 ? 0 : 1;
  } finally {
    await backend.stop();
    if (args.keep) console.log(`(report kept in ${work})`);
    else rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
