/// <reference types="node" />
import { hostname } from "node:os";
import { AcademicAssist } from "../../client.ts";
import type { Command } from "../args.ts";
import { removeCredentials, resolveLoginURL, saveCredentials, type Connection } from "../config.ts";
import { CliError } from "../errors.ts";
import type { CliIO } from "../io.ts";

export async function whoamiCommand(
  io: CliIO,
  client: AcademicAssist,
  connection: Connection,
): Promise<number> {
  const me = await client.auth.me({ signal: io.signal });
  io.stdout.write(`${me.name} <${me.email}>\n`);
  io.stderr.write(`server ${connection.baseURL} (credentials from ${connection.source})\n`);
  return 0;
}

export async function loginCommand(cmd: Extract<Command, { name: "login" }>, io: CliIO): Promise<number> {
  const url = await resolveLoginURL(cmd.global.url, io.env, io.cwd);
  const email = cmd.email ?? (await prompt(io, "Email: ", false));
  const password = io.env.ACADEMIC_ASSIST_PASSWORD || (await prompt(io, "Password: ", true));
  if (!email || !password) throw new CliError("Email and password are required.");

  const anonymous = new AcademicAssist({ baseURL: url, fetch: io.fetch });
  const session = await anonymous.auth.login({ email, password }, { signal: io.signal });
  const client = anonymous.withOptions({ apiKey: session.accessToken });
  const created = await client.tokens.create(
    { name: `academic-assist CLI on ${hostname()}` },
    { signal: io.signal },
  );
  const path = await saveCredentials(io.env, { url: client.baseURL, token: created.token });
  io.stdout.write(`Signed in to ${client.baseURL} as ${session.user.name} <${session.user.email}>.\n`);
  io.stderr.write(`API token ${created.prefix}… saved to ${path}\n`);
  return 0;
}

export async function logoutCommand(io: CliIO): Promise<number> {
  const removed = await removeCredentials(io.env);
  io.stderr.write(
    removed
      ? "Signed out: the saved token was removed. (It stays valid until revoked in your account's token list.)\n"
      : "Not signed in.\n",
  );
  return 0;
}

/** Reads one line from stdin; `hidden` does not echo it (passwords) on a terminal. */
async function prompt(io: CliIO, question: string, hidden: boolean): Promise<string> {
  const stdin = io.stdin ?? process.stdin;
  if (stdin.isTTY !== true) {
    const line = await readLine(stdin);
    if (line === null)
      throw new CliError(`${question.replace(/: $/, "")} is required (stdin is not a terminal).`);
    return line;
  }
  io.stderr.write(question);
  if (!hidden) return (await readLine(stdin)) ?? "";
  stdin.setRawMode?.(true);
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = "";
      const onData = (chunk: Buffer | string) => {
        for (const ch of chunk.toString()) {
          if (ch === "\r" || ch === "\n") {
            done();
            io.stderr.write("\n");
            resolve(value);
            return;
          }
          if (ch === "\u0003") {
            done();
            reject(new CliError("Cancelled."));
            return;
          }
          value = ch === "\u007f" || ch === "\b" ? value.slice(0, -1) : value + ch;
        }
      };
      const done = () => {
        stdin.removeListener("data", onData);
        stdin.pause();
      };
      stdin.on("data", onData);
      stdin.resume();
    });
  } finally {
    stdin.setRawMode?.(false);
  }
}

function readLine(stdin: NodeJS.ReadableStream): Promise<string | null> {
  return new Promise((resolve) => {
    let buffer = "";
    const finish = (value: string | null) => {
      stdin.removeListener("data", onData);
      stdin.removeListener("end", onEnd);
      stdin.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      buffer += chunk.toString();
      const nl = buffer.indexOf("\n");
      if (nl >= 0) finish(buffer.slice(0, nl).replace(/\r$/, ""));
    };
    const onEnd = () => {
      finish(buffer === "" ? null : buffer.replace(/\r?\n$/, ""));
    };
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.resume();
  });
}
