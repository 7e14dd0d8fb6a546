/// <reference types="node" />
import { openAsBlob } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, extname, isAbsolute, join, relative, resolve } from "node:path";
import type { AcademicAssist } from "../../client.ts";
import type { Document } from "../../contract/index.ts";
import { noteFileName } from "../../writeback/index.ts";
import type { Command } from "../args.ts";
import type { Connection } from "../config.ts";
import { CliError } from "../errors.ts";
import type { CliIO } from "../io.ts";
import { ProgressReporter } from "../progress.ts";
import { prepareNotesFolder, writeNote } from "../write-note.ts";

const MEDIA_TYPES: Record<string, string> = {
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
};

/** The project to use: `--project`, else the connection's default, else the first one, else a new "My library". */
export async function resolveProject(
  client: AcademicAssist,
  flag: string | undefined,
  connection: Connection,
  signal?: AbortSignal,
): Promise<string> {
  if (flag) return flag;
  if (connection.projectId) return connection.projectId;
  const first = await client.projects.list({ limit: 1 }, { signal });
  if (first.items[0]) return first.items[0].id;
  return (await client.projects.create({ name: "My library" }, { signal })).id;
}

function stageOf(doc: Document): string {
  if (doc.status === "processing") return doc.progress?.stage ?? "processing";
  return doc.status;
}

/** A path to show: relative to where the user is, when it is below it. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

export async function noteCommand(
  cmd: Extract<Command, { name: "note" }>,
  io: CliIO,
  client: AcademicAssist,
  connection: Connection,
): Promise<number> {
  const { signal } = io;
  const filePath = resolve(io.cwd, cmd.file);
  const info = await stat(filePath).catch(() => null);
  if (!info) throw new CliError(`File not found: ${cmd.file}`);
  if (!info.isFile()) throw new CliError(`Not a file: ${cmd.file}`);

  // Fail on a bad --out before spending time on upload and generation.
  const outDir = resolve(io.cwd, cmd.out);
  const outReal = await prepareNotesFolder(outDir).catch((err: unknown) => {
    throw new CliError(
      `Cannot use ${cmd.out} as the notes folder: ${err instanceof Error ? err.message : String(err)}`,
    );
  });

  const progress = new ProgressReporter(io.stderr);
  try {
    const projectId = await resolveProject(client, cmd.project, connection, signal);
    progress.update("uploading");
    const filename = basename(filePath);
    // A file-backed Blob: fetch streams it from disk, and can re-read it if the upload is retried.
    const blob = await openAsBlob(filePath, {
      type: MEDIA_TYPES[extname(filePath).toLowerCase()] ?? "application/octet-stream",
    });
    const upload = await client.documents.upload(projectId, blob, { filename }, { signal });
    if (upload.duplicate) progress.log(`${filename} is already in the project; using it.`);

    let doc = upload.document;
    if (doc.status !== "ready") {
      doc = await client.documents.waitUntilDone(doc.id, {
        signal,
        onProgress: (d) => {
          if (d.status !== "ready" && d.status !== "failed") progress.update(stageOf(d), d.progress);
        },
      });
    }

    progress.update("generating note");
    const created = await client.notes.create(
      doc.id,
      { template: cmd.template, language: cmd.language },
      { signal },
    );
    let note = created.note;
    if (note.status !== "ready") {
      note = await client.notes.waitUntilDone(note.id, {
        signal,
        onProgress: (_n, p) => {
          progress.update(p?.stage ?? "generating note", p);
        },
      });
    }
    progress.done();

    const fileName = noteFileName(note.title ?? doc.metadata.title, basename(filename, extname(filename)));
    const written = await writeNote(outReal, fileName, note.markdown);
    const shown = displayPath(io.cwd, join(outDir, written.plan.fileName));
    switch (written.plan.action) {
      case "create":
      case "overwrite":
        break;
      case "unchanged":
        io.stderr.write(`${shown} is already up to date.\n`);
        break;
      case "sibling":
        io.stderr.write(`Not overwriting: ${written.plan.reason.replace(written.plan.fileName, shown)}.\n`);
        break;
    }
    if (note.citations && note.citations.unverified > 0) {
      io.stderr.write(
        `${note.citations.unverified} of ${note.citations.total} citations could not be verified; they are marked in the note.\n`,
      );
    }
    io.stdout.write(`${shown}\n`);
    return 0;
  } finally {
    progress.done();
  }
}
