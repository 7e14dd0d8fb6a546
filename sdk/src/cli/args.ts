/// <reference types="node" />
import { parseArgs } from "node:util";

/** The command line is wrong; exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface GlobalFlags {
  url?: string | undefined;
  apiKey?: string | undefined;
}

export type Command =
  | {
      name: "note";
      file: string;
      out: string;
      template: string;
      language: "en" | "ja" | undefined;
      project: string | undefined;
      global: GlobalFlags;
    }
  | {
      name: "search";
      query: string;
      project: string | undefined;
      limit: number | undefined;
      json: boolean;
      global: GlobalFlags;
    }
  | { name: "login"; email: string | undefined; global: GlobalFlags }
  | { name: "logout"; global: GlobalFlags }
  | { name: "whoami"; global: GlobalFlags }
  /** `backup`, `restore`, `reindex`, `requeue`: run by the backend's own module, which parses `argv`. */
  | { name: "backend"; argv: string[] }
  | { name: "help"; topic: string | undefined };

export const USAGE = `Usage: academic-assist <command> [options]

Commands:
  note <file.pdf>      Upload a paper, generate a note, write it into a folder
      --out <dir>          notes folder (default: notes/)
      --template <id>      note template (default: summary)
      --language <en|ja>   note language (default: the project's)
      --project <id>       project (default: the local server's, else your first)
  search "<query>"     Search your papers
      --project <id>       only this project
      --limit <n>          at most n hits (1-50, default 10)
      --json               print the raw results as JSON
  login                Sign in and save a personal API token
      --email <email>      account email (password from ACADEMIC_ASSIST_PASSWORD or a prompt)
  logout               Forget the saved token
  whoami               Show who and where you are signed in

Local-mode operations (where the backend is installed; \`academic-assist backup --help\`):
  backup <dir>         Back up the local data, safely while it runs (--force replaces a backup)
  restore <dir>        Replace the local data with a backup (server and worker stopped)
  reindex              Rebuild the search index from the stored passages
  requeue              Queue again documents and notes left unfinished

Connection (note, search, login, logout, whoami):
  --url <url>          server URL      (env ACADEMIC_ASSIST_URL)
  --api-key <token>    personal token  (env ACADEMIC_ASSIST_API_KEY)
  Without them, the CLI uses the token saved by \`login\`, else finds the local server
  (data/local-server.json, written by \`npm start\`).
`;

const GLOBAL_OPTIONS = {
  url: { type: "string" },
  "api-key": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function parse<const O extends Record<string, { type: "string" | "boolean"; short?: string }>>(
  args: string[],
  options: O,
) {
  try {
    return parseArgs({
      args,
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function globalsOf(values: {
  url?: string | boolean | undefined;
  "api-key"?: string | boolean | undefined;
}): GlobalFlags {
  const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);
  return { url: str(values.url), apiKey: str(values["api-key"]) };
}

/** Parses `argv` (without `node` and the script). Throws `UsageError` on anything it does not understand. */
export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError(USAGE.trimEnd());
  if (name === "help" || name === "--help" || name === "-h") {
    return { name: "help", topic: rest[0] };
  }
  switch (name) {
    case "note": {
      const { values, positionals } = parse(rest, {
        out: { type: "string", short: "o" },
        template: { type: "string", short: "t" },
        language: { type: "string", short: "l" },
        project: { type: "string", short: "p" },
      });
      if (values.help) return { name: "help", topic: "note" };
      const [file, ...extra] = positionals;
      if (file === undefined) throw new UsageError("note: which file? e.g. `academic-assist note paper.pdf`");
      if (extra.length > 0) throw new UsageError(`note: one file at a time (got ${positionals.length})`);
      const language = values.language;
      if (language !== undefined && language !== "en" && language !== "ja") {
        throw new UsageError(`note: --language must be en or ja (got ${language})`);
      }
      const template = values.template ?? "summary";
      if (!/^[a-z0-9][a-z0-9-]*$/.test(template))
        throw new UsageError(`note: --template ${template} is not a template id`);
      return {
        name: "note",
        file,
        out: values.out ?? "notes",
        template,
        language,
        project: values.project,
        global: globalsOf(values),
      };
    }
    case "search": {
      const { values, positionals } = parse(rest, {
        project: { type: "string", short: "p" },
        limit: { type: "string", short: "n" },
        json: { type: "boolean" },
      });
      if (values.help) return { name: "help", topic: "search" };
      const query = positionals.join(" ").trim();
      if (query === "")
        throw new UsageError('search: what to search for? e.g. `academic-assist search "attention"`');
      let limit: number | undefined;
      if (values.limit !== undefined) {
        limit = Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 50) {
          throw new UsageError(`search: --limit must be a whole number from 1 to 50 (got ${values.limit})`);
        }
      }
      return {
        name: "search",
        query,
        project: values.project,
        limit,
        json: values.json ?? false,
        global: globalsOf(values),
      };
    }
    case "login": {
      const { values, positionals } = parse(rest, { email: { type: "string" } });
      if (values.help) return { name: "help", topic: "login" };
      if (positionals.length > 0) throw new UsageError(`login: unexpected ${positionals.join(" ")}`);
      return { name: "login", email: values.email, global: globalsOf(values) };
    }
    case "backup":
    case "restore":
    case "reindex":
    case "requeue":
      return { name: "backend", argv };
    case "logout":
    case "whoami": {
      const { values, positionals } = parse(rest, {});
      if (values.help) return { name: "help", topic: name };
      if (positionals.length > 0) throw new UsageError(`${name}: unexpected ${positionals.join(" ")}`);
      return { name, global: globalsOf(values) };
    }
    default:
      throw new UsageError(`Unknown command: ${name}`);
  }
}
