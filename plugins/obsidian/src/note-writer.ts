import type { Document, Note } from "@academic-assist/sdk";
import {
  contentHash,
  noteFileName,
  planWrite,
  recordedContentHash,
  siblingFileName,
  splitFrontmatter,
  type WritePlan,
} from "@academic-assist/sdk/writeback";
import { TFile, TFolder, type App } from "obsidian";
import { renderCitations } from "./citations.ts";
import type { Settings } from "./settings.ts";
import { notePath, notesFolderPath, UnsafePathError } from "./vault-paths.ts";

/** The tag every literature note gets (the user's own tags are kept). */
export const NOTE_TAG = "literature-note";

export interface NoteWriteInput {
  note: Note;
  document: Document;
  /** The vault path of the PDF the note is about, or null if it is not in the vault. */
  pdfPath: string | null;
}

export interface WrittenNote {
  action: WritePlan["action"];
  /** The vault path written (or left unchanged). */
  path: string;
  /** Why, in words a user understands (e.g. why a sibling was written). */
  reason: string;
}

class EditedMeanwhile extends Error {}

/**
 * Writes a generated note into the vault under the SDK's write-back rules: the file name is made
 * by `noteFileName` (never the raw title), the path is checked to stay directly inside the notes
 * folder (which may not be the config folder or any hidden one), and a note the user edited since
 * it was generated is never overwritten: the new one goes to a sibling file.
 *
 * `[p. N]` citations become links that open the PDF at the page; because that changes the body,
 * the note's `content_hash` is recomputed over the body as written, so a later regeneration can
 * still tell an untouched note from an edited one.
 */
export async function writeNoteToVault(
  app: App,
  settings: Pick<Settings, "notesFolder" | "linkStyle">,
  input: NoteWriteInput,
  now?: Date,
): Promise<WrittenNote> {
  const { vault } = app;
  const folder = notesFolderPath(settings.notesFolder, vault.configDir);
  const fallback = input.pdfPath
    ? (input.pdfPath.split("/").pop() ?? "").replace(/\.pdf$/i, "")
    : input.document.filename.replace(/\.[A-Za-z0-9]{1,5}$/, "");
  const fileName = noteFileName(input.note.title ?? input.document.metadata.title, fallback);
  const path = notePath(folder, fileName);

  const body = renderCitations(splitFrontmatter(input.note.markdown).body, input.pdfPath, settings.linkStyle);
  const hash = await contentHash(body);

  await ensureFolder(app, folder);
  const exists = (name: string) => vault.getAbstractFileByPath(notePath(folder, name)) !== null;
  const current = vault.getAbstractFileByPath(path);
  let plan: WritePlan;
  let existing: string | null = null;
  if (current !== null && !(current instanceof TFile)) {
    const sibling = await siblingFileName(fileName, { exists, now });
    plan = {
      action: "sibling",
      fileName: sibling,
      reason: `${fileName} is a folder; the new note is ${sibling}`,
    };
  } else {
    existing = current instanceof TFile ? await vault.read(current) : null;
    plan = await planWrite({ existing, incoming: body, fileName, exists, now });
  }

  let target = notePath(folder, plan.fileName);
  let file: TFile;
  switch (plan.action) {
    case "unchanged":
      return { action: plan.action, path: target, reason: plan.reason };
    case "create":
    case "sibling":
      file = await vault.create(target, body);
      break;
    case "overwrite": {
      const existingFile = current as TFile;
      try {
        // Re-checked inside `process`, which runs atomically: the user may have typed since we read.
        const plannedBody = splitFrontmatter(existing ?? "").body;
        await vault.process(existingFile, (text) => {
          const { frontmatter, body: currentBody } = splitFrontmatter(text);
          if (frontmatter === null || recordedContentHash(text) === null || currentBody !== plannedBody) {
            throw new EditedMeanwhile();
          }
          return `---\n${frontmatter}\n---\n${body}`;
        });
        file = existingFile;
      } catch (err) {
        if (!(err instanceof EditedMeanwhile)) throw err;
        const sibling = await siblingFileName(fileName, { exists, now });
        plan = {
          action: "sibling",
          fileName: sibling,
          reason: `${fileName} was edited just now; the new note is ${sibling}`,
        };
        target = notePath(folder, sibling);
        file = await vault.create(target, body);
      }
      break;
    }
  }

  await app.fileManager.processFrontMatter(file, (fm: Record<string, unknown>) => {
    const { note, document, pdfPath } = input;
    const meta = document.metadata;
    fm.title = note.title ?? meta.title ?? fallback;
    fm.authors = meta.authors;
    fm.year = meta.year;
    fm.doi = meta.doi;
    fm.tags = mergeTags(fm.tags, [NOTE_TAG]);
    fm.source = pdfPath ? `[[${pdfPath}]]` : document.filename;
    fm.document_id = document.id;
    fm.note_id = note.id;
    fm.template = note.template;
    fm.generator = note.generator ? `${note.generator.provider}/${note.generator.model}` : null;
    fm.generated_at = note.updatedAt;
    if (note.citations) {
      fm.citations_total = note.citations.total;
      fm.citations_verified = note.citations.verified;
    }
    fm.content_hash = hash;
  });
  return { action: plan.action, path: target, reason: plan.reason };
}

async function ensureFolder(app: App, folder: string): Promise<void> {
  if (folder === "") return;
  const existing = app.vault.getAbstractFileByPath(folder);
  if (existing instanceof TFolder) return;
  if (existing) throw new UnsafePathError(`The notes folder "${folder}" is a file.`);
  await app.vault.createFolder(folder);
}

function mergeTags(current: unknown, add: string[]): string[] {
  const list =
    typeof current === "string"
      ? current.split(/[,\s]+/)
      : Array.isArray(current)
        ? current.filter((t): t is string => typeof t === "string")
        : [];
  const out = list.map((t) => t.replace(/^#/, "")).filter((t) => t !== "");
  for (const tag of add) if (!out.includes(tag)) out.push(tag);
  return out;
}
