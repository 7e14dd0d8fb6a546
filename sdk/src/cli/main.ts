/// <reference types="node" />
import { AcademicAssist } from "../client.ts";
import { parseCommand, USAGE, UsageError, type Command } from "./args.ts";
import { resolveConnection, type Connection } from "./config.ts";
import { loginCommand, logoutCommand, whoamiCommand } from "./commands/account.ts";
import { backendCommand } from "./commands/backend.ts";
import { noteCommand } from "./commands/note.ts";
import { searchCommand } from "./commands/search.ts";
import { formatError } from "./errors.ts";
import type { CliIO } from "./io.ts";

export type { CliIO, CliStream } from "./io.ts";

/**
 * Runs the `academic-assist` CLI in-process. Returns the exit code: 0 ok, 1 failure (the message,
 * with the problem's code and request id, is on stderr), 2 usage error.
 */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (err) {
    io.stderr.write(`${formatError(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  }

  let connection: Connection | undefined;
  try {
    switch (command.name) {
      case "help":
        io.stdout.write(USAGE);
        return 0;
      case "login":
        return await loginCommand(command, io);
      case "logout":
        return await logoutCommand(io);
      case "backend":
        return await backendCommand(command.argv, io);
      case "note":
      case "search":
      case "whoami": {
        connection = await resolveConnection(command.global, io.env, io.cwd);
        const client = new AcademicAssist({
          baseURL: connection.baseURL,
          apiKey: connection.apiKey,
          fetch: io.fetch,
        });
        if (command.name === "note") return await noteCommand(command, io, client, connection);
        if (command.name === "search") return await searchCommand(command, io, client);
        return await whoamiCommand(io, client, connection);
      }
    }
  } catch (err) {
    io.stderr.write(`${formatError(err, { baseURL: connection?.baseURL, source: connection?.source })}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
