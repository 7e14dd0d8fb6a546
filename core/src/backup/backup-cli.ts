import path from "node:path";
import { parseArgs } from "node:util";
import { backupSize, createBackup } from "./backup.ts";
import { BackupError } from "./manifest.ts";
import { rebuildLocalSearchIndex, requeueUnfinished } from "./recovery.ts";
import { restoreBackup } from "./restore.ts";

/** Where the backend commands write and what they read; `CliIO` of the SDK's CLI fits it. */
export interface BackendCliIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
}

/** The commands this module runs for `academic-assist`. */
export const BACKEND_COMMANDS = ["backup", "restore", "reindex", "requeue"] as const;
export type BackendCommand = (typeof BACKEND_COMMANDS)[number];

export const BACKEND_USAGE = `Local-mode operations (run where the backend is installed; DATA_DIR from --data-dir,
the DATA_DIR variable, or ./data):
  backup <dir>         Back up DATA_DIR into <dir>, safely while the server and worker run
      --force              replace an earlier backup in <dir>
  restore <dir>        Replace DATA_DIR with the backup in <dir> (stop the server and worker first)
      --no-keep            delete the previous data instead of keeping <DATA_DIR>.before-restore-<time>
  reindex              Rebuild the search index from the stored passages
  requeue              Queue again documents and notes left unfinished (after a restore or a lost queue)
      --data-dir <dir>     the DATA_DIR to use (every command above)
See docs/runbooks/disaster-recovery.md.
`;

/** Production stores are backed up by their own services (see the runbook), never by these commands. */
const PRODUCTION_VARIABLES = [
  "MONGODB_URL",
  "REDIS_URL",
  "REDIS_HOST",
  "ELASTICSEARCH_URL",
  "OPENSEARCH_URL",
  "S3_BUCKET_NAME",
];

class CliUsageError extends Error {}

function mb(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Runs `backup`, `restore`, `reindex` or `requeue` (argv starts with the command). Returns the exit
 * code: 0 done, 1 refused or failed (the reason on stderr; nothing half-done), 2 usage error.
 */
export async function runBackendCommand(argv: string[], io: BackendCliIO): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.stderr.write(`${err.message}\n\n${BACKEND_USAGE}`);
      return 2;
    }
    if (err instanceof BackupError) {
      io.stderr.write(`Error: ${err.message}\n`);
      return 1;
    }
    io.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function run(argv: string[], io: BackendCliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!BACKEND_COMMANDS.includes(name as BackendCommand))
    throw new CliUsageError(`Unknown command: ${name ?? ""}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        "data-dir": { type: "string" },
        force: { type: "boolean" },
        "no-keep": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new CliUsageError(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(BACKEND_USAGE);
    return 0;
  }
  const production = PRODUCTION_VARIABLES.filter((k) => io.env[k]);
  if (production.length > 0) {
    throw new BackupError(
      `${production.join(", ")} ${production.length === 1 ? "is" : "are"} set: this backend uses production stores, ` +
        "which are backed up by their own services. See docs/runbooks/disaster-recovery.md.",
    );
  }
  const dataDir = path.resolve(io.cwd, values["data-dir"] ?? (io.env.DATA_DIR || "./data"));
  const takesDir = name === "backup" || name === "restore";
  if (takesDir && positionals.length !== 1) {
    throw new CliUsageError(
      `${name}: which folder? e.g. \`academic-assist ${name} /backups/academic-assist-2025-01-01\``,
    );
  }
  if (!takesDir && positionals.length > 0)
    throw new CliUsageError(`${name}: unexpected ${positionals.join(" ")}`);
  if (name !== "backup" && values.force) throw new CliUsageError(`${name}: --force is for backup`);
  if (name !== "restore" && values["no-keep"]) throw new CliUsageError(`${name}: --no-keep is for restore`);
  const dir = positionals[0] === undefined ? "" : path.resolve(io.cwd, positionals[0]);

  switch (name as BackendCommand) {
    case "backup": {
      const started = Date.now();
      const { manifest, holdsSecret } = await createBackup({
        dataDir,
        target: dir,
        force: values.force ?? false,
      });
      const c = manifest.counts;
      io.stdout.write(
        [
          `Backed up ${dataDir} to ${dir} (${mb(await backupSize(manifest, dir))}, ${((Date.now() - started) / 1000).toFixed(1)} s):`,
          `  ${plural(c.users, "user")}, ${plural(c.projects, "project")}, ${plural(c.documents, "document")}, ${plural(c.notes, "note")}, ${plural(c.blobs, "original file")}`,
          "  search index: not copied; restore rebuilds it from the stored passages",
          ...manifest.missing_blobs.map(
            (k) => `Warning: ${k} was missing from DATA_DIR; its document has no original file.`,
          ),
          ...(holdsSecret
            ? [
                "Warning: the backup holds secret.key, which signs login sessions, and API token hashes.",
                "  Keep it as safe as the data itself (folder mode 0700, files 0600); encrypt it if it leaves this machine.",
              ]
            : []),
          "",
        ].join("\n"),
      );
      return 0;
    }
    case "restore": {
      const result = await restoreBackup({ source: dir, dataDir, keep: !(values["no-keep"] ?? false) });
      const c = result.manifest.counts;
      io.stdout.write(
        [
          `Restored ${dir} (taken ${result.manifest.created_at}) into ${dataDir}:`,
          `  ${plural(c.users, "user")}, ${plural(c.projects, "project")}, ${plural(c.documents, "document")}, ${plural(c.notes, "note")}, ${plural(c.blobs, "original file")}`,
          `  search index rebuilt: ${plural(result.search.documents, "document")}, ${plural(result.search.chunks, "passage")}`,
          result.requeued.documents + result.requeued.notes > 0
            ? `  queued again: ${plural(result.requeued.documents, "unfinished document")}, ${plural(result.requeued.notes, "pending note")}`
            : "  nothing was left unfinished",
          result.previous ? `The previous data is kept in ${result.previous}` : "No previous data was kept.",
          "Start the server and worker again (npm start).",
          "",
        ].join("\n"),
      );
      return 0;
    }
    case "reindex": {
      const r = await rebuildLocalSearchIndex(dataDir);
      io.stdout.write(
        `Search index rebuilt: ${plural(r.documents, "document")}, ${plural(r.chunks, "passage")}.\n`,
      );
      return 0;
    }
    case "requeue": {
      const r = await requeueUnfinished(dataDir);
      io.stdout.write(
        `Queued again: ${plural(r.documents, "unfinished document")}, ${plural(r.notes, "pending note")}.\n`,
      );
      return 0;
    }
  }
}
