import {
  AcademicAssist,
  AcademicAssistError,
  APIConnectionError,
  ApiError,
  APITimeoutError,
  AuthenticationError,
  PermissionDeniedError,
  ProcessingFailedError,
  type AskResult,
  type Document,
  type SearchHit,
  type Template,
} from "@academic-assist/sdk";
import { TFile, TFolder, type App } from "obsidian";
import type { JobTracker } from "./job-tracker.ts";
import { writeNoteToVault, type WrittenNote } from "./note-writer.ts";
import { requestUrlFetch, type RequestUrl } from "./request-url-fetch.ts";
import type { Settings } from "./settings.ts";
import { notesFolderPath, UnsafePathError } from "./vault-paths.ts";

export interface LibraryDeps {
  app: App;
  settings: () => Settings;
  token: () => string | null;
  requestUrl: RequestUrl;
  tracker: JobTracker;
  /** Shows a message to the user (an Obsidian `Notice`). */
  notify: (message: string, timeoutMs?: number) => void;
}

export interface ProcessOptions {
  /** Template id; default: the settings' default template. */
  template?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** The plugin is not set up enough to call the server (no token). */
/** A document an answer draws on: its title, and its PDF when it is in the vault. */
export interface AskSource {
  title: string;
  pdf: TFile | null;
}

export class NotConfiguredError extends Error {}

const PREFIX = "Academic Assist: ";

/**
 * What the commands do, without any UI of their own: talk to the server through the SDK (with
 * `requestUrl` as its fetch), and write notes through the Vault API. Every failure becomes one
 * clear notice; nothing is written when something fails before the note is ready.
 */
export class Library {
  readonly #deps: LibraryDeps;
  #client: { key: string; client: AcademicAssist } | null = null;
  #project: { key: string; id: string } | null = null;
  /** Server document id → vault path of the PDF it was uploaded from (this session). */
  readonly #pdfByDocument = new Map<string, string>();

  constructor(deps: LibraryDeps) {
    this.#deps = deps;
  }

  /** The SDK client for the current settings and token; throws `NotConfiguredError` without a token. */
  client(): AcademicAssist {
    const { serverUrl } = this.#deps.settings();
    const token = this.#deps.token();
    if (!token) {
      throw new NotConfiguredError(
        "no API token is set. Open Settings → Academic Assist and paste the token the server printed on its first start.",
      );
    }
    const key = `${serverUrl}\n${token}`;
    if (this.#client?.key !== key) {
      this.#client = {
        key,
        client: new AcademicAssist({
          baseURL: serverUrl,
          apiKey: token,
          fetch: requestUrlFetch(this.#deps.requestUrl),
          maxRetries: 1,
        }),
      };
    }
    return this.#client.client;
  }

  /** Forgets the cached client and project, e.g. after the settings changed. */
  reset(): void {
    this.#client = null;
    this.#project = null;
  }

  /** The project to use: the setting, else the first project, else a new "My library". */
  async projectId(signal?: AbortSignal): Promise<string> {
    const client = this.client();
    const configured = this.#deps.settings().projectId;
    if (configured) return configured;
    const key = `${client.baseURL}\n${client.apiKey ?? ""}`;
    if (this.#project?.key === key) return this.#project.id;
    const first = await client.projects.list({ limit: 1 }, { signal });
    const id = first.items[0]?.id ?? (await client.projects.create({ name: "My library" }, { signal })).id;
    this.#project = { key, id };
    return id;
  }

  /**
   * Uploads a vault PDF, waits for the server to process it, generates a note and writes it into
   * the notes folder. Returns what was written, or null after telling the user what went wrong.
   */
  async processPdf(file: TFile, options: ProcessOptions = {}): Promise<WrittenNote | null> {
    const { app, tracker } = this.#deps;
    const settings = this.#deps.settings();
    const key = `upload:${file.path}`;
    const keys = [key];
    try {
      if (file.extension.toLowerCase() !== "pdf") throw new UnsafePathError(`${file.path} is not a PDF.`);
      // Fail on a bad notes folder before spending time on upload and generation.
      notesFolderPath(settings.notesFolder, app.vault.configDir);
      const client = this.client();
      const { signal } = options;
      tracker.name(key, file.name);
      tracker.update(key, "uploading");
      const projectId = await this.projectId(signal);
      const bytes = await app.vault.readBinary(file);
      const upload = await client.documents.upload(projectId, bytes, { filename: file.name }, { signal });
      let doc: Document = upload.document;
      this.#pdfByDocument.set(doc.id, file.path);
      tracker.finish(key);
      const docKey = `document:${doc.id}`;
      keys.push(docKey);
      tracker.name(docKey, file.name);
      if (doc.status !== "ready") {
        tracker.update(docKey, doc.status);
        doc = await client.documents.waitUntilDone(doc.id, {
          signal,
          events: "long-poll",
          onProgress: (d) => {
            if (d.status === "ready" || d.status === "failed") return;
            tracker.update(docKey, d.progress?.stage ?? d.status, d.progress?.done, d.progress?.total);
          },
        });
      }
      tracker.finish(docKey);

      const template = options.template ?? settings.defaultTemplate;
      const language = settings.language === "auto" ? undefined : settings.language;
      const created = await client.notes.create(doc.id, { template, language }, { signal });
      let note = created.note;
      const noteKey = `note:${note.id}`;
      keys.push(noteKey);
      tracker.name(noteKey, file.name);
      if (note.status !== "ready") {
        tracker.update(noteKey, "generating note");
        note = await client.notes.waitUntilDone(note.id, {
          signal,
          events: "long-poll",
          onProgress: (_n, p) => {
            tracker.update(noteKey, p?.stage ?? "generating note", p?.done, p?.total);
          },
        });
      }
      tracker.finish(noteKey);

      // The settings may have changed while we waited; the write uses the current ones.
      const written = await writeNoteToVault(app, this.#deps.settings(), {
        note,
        document: doc,
        pdfPath: file.path,
      });
      this.#reportWrite(written, note.citations);
      return written;
    } catch (err) {
      this.#deps.notify(
        `${PREFIX}could not make a note from ${file.name}: ${this.describeError(err)}`,
        15_000,
      );
      return null;
    } finally {
      for (const k of keys) tracker.finish(k);
    }
  }

  /** Processes every PDF in a folder (and its subfolders), one after another. */
  async processFolder(
    folder: TFolder,
    options: ProcessOptions = {},
  ): Promise<{ written: number; failed: number }> {
    const configDir = this.#deps.app.vault.configDir;
    const pdfs: TFile[] = [];
    const walk = (f: TFolder) => {
      for (const child of f.children) {
        if (child instanceof TFolder) {
          if (!child.name.startsWith(".") && child.path !== configDir) walk(child);
        } else if (child instanceof TFile && child.extension.toLowerCase() === "pdf") {
          pdfs.push(child);
        }
      }
    };
    walk(folder);
    if (pdfs.length === 0) {
      this.#deps.notify(`${PREFIX}no PDFs in ${folder.path || "the vault"}.`);
      return { written: 0, failed: 0 };
    }
    this.#deps.notify(
      `${PREFIX}processing ${pdfs.length} PDF${pdfs.length === 1 ? "" : "s"} in ${folder.path || "the vault"}…`,
    );
    let written = 0;
    let failed = 0;
    for (const pdf of pdfs) {
      if (options.signal?.aborted) break;
      if (await this.processPdf(pdf, options)) written++;
      else failed++;
    }
    this.#deps.notify(
      `${PREFIX}${written} note${written === 1 ? "" : "s"} written${failed ? `, ${failed} failed` : ""}.`,
    );
    return { written, failed };
  }

  async templates(signal?: AbortSignal): Promise<Template[]> {
    return (await this.client().templates.list({ signal })).items;
  }

  async search(q: string, signal?: AbortSignal): Promise<SearchHit[]> {
    const projectId = await this.projectId(signal);
    return (await this.client().search.query({ q, projectId, limit: 20 }, { signal })).items;
  }

  /**
   * Asks the project's library a question: an answer with `[p. N]` citations, or an abstention.
   * JSON, not streamed: `requestUrl` cannot stream.
   */
  async ask(question: string, signal?: AbortSignal): Promise<AskResult> {
    const projectId = await this.projectId(signal);
    return this.client().projects.ask(projectId, { question }, { signal });
  }

  /** Titles and vault PDFs of the documents an answer cites or draws on. */
  async sources(result: AskResult, signal?: AbortSignal): Promise<Map<string, AskSource>> {
    const ids = new Set([...result.citations, ...result.passages].map((x) => x.documentId));
    const out = new Map<string, AskSource>();
    for (const id of ids) {
      const doc = await this.client()
        .documents.retrieve(id, { signal })
        .catch(() => undefined);
      out.set(id, {
        title: doc?.metadata.title?.trim() || doc?.filename.replace(/\.pdf$/i, "") || id,
        pdf: doc ? this.findPdf(id, doc.filename) : null,
      });
    }
    return out;
  }

  /** The vault PDF a server document came from: remembered from the upload, else by file name. */
  findPdf(documentId: string, filename: string): TFile | null {
    const { vault } = this.#deps.app;
    const remembered = this.#pdfByDocument.get(documentId);
    const file = remembered ? vault.getAbstractFileByPath(remembered) : null;
    if (file instanceof TFile) return file;
    return vault.getFiles().find((f) => f.extension.toLowerCase() === "pdf" && f.name === filename) ?? null;
  }

  /** A one-paragraph report: connection, user, library size, vault PDFs not yet in the library. */
  async syncStatus(): Promise<string> {
    try {
      const client = this.client();
      const me = await client.auth.me();
      const projectId = await this.projectId();
      const names = new Set<string>();
      let documents = 0;
      let processing = 0;
      for await (const doc of client.documents.list({ projectId, limit: 100 })) {
        documents++;
        names.add(doc.filename);
        if (doc.status !== "ready" && doc.status !== "failed") processing++;
        if (documents >= 5000) break;
      }
      const pdfs = this.#deps.app.vault.getFiles().filter((f) => f.extension.toLowerCase() === "pdf");
      const missing = pdfs.filter((f) => !names.has(f.name)).length;
      const running = this.#deps.tracker.running.length;
      return (
        `${PREFIX}connected to ${client.baseURL} as ${me.email}. ` +
        `Library: ${documents} document${documents === 1 ? "" : "s"}${processing ? ` (${processing} processing)` : ""}. ` +
        `Vault: ${pdfs.length} PDF${pdfs.length === 1 ? "" : "s"}, ${missing} not in the library yet. ` +
        (running ? `${running} job${running === 1 ? "" : "s"} running.` : "Nothing running.")
      );
    } catch (err) {
      return `${PREFIX}${this.describeError(err)}`;
    }
  }

  /** What went wrong, in words that say what to do about it. */
  describeError(err: unknown): string {
    const url = this.#deps.settings().serverUrl;
    if (err instanceof NotConfiguredError) return err.message;
    if (err instanceof UnsafePathError) return `refused to write there: ${err.message}`;
    if (err instanceof AuthenticationError) {
      return `the server at ${url} refused the API token (401). Check the token in Settings → Academic Assist.`;
    }
    if (err instanceof PermissionDeniedError) {
      return `the token has no access to this project (403)${err.detail ? `: ${err.detail}` : ""}.`;
    }
    if (err instanceof APITimeoutError)
      return `the server at ${url} did not answer in time. Try again later.`;
    if (err instanceof APIConnectionError) {
      return `cannot reach the server at ${url}. Is it running (\`npm start\` for the local server), and is the server URL in Settings → Academic Assist right?`;
    }
    if (err instanceof ProcessingFailedError)
      return `the server could not process it: ${err.detail} (${err.code})`;
    if (err instanceof ApiError) {
      const id = err.requestId ? `, request ${err.requestId}` : "";
      return `${err.detail || err.message} (${err.code ?? err.status}${id})`;
    }
    if (err instanceof AcademicAssistError || err instanceof Error) return err.message;
    return String(err);
  }

  #reportWrite(written: WrittenNote, citations: { total: number; unverified: number } | null): void {
    const { notify } = this.#deps;
    switch (written.action) {
      case "create":
      case "overwrite":
        notify(`${PREFIX}note written: ${written.path}`);
        break;
      case "unchanged":
        notify(`${PREFIX}${written.path} is already up to date.`);
        break;
      case "sibling":
        notify(`${PREFIX}not overwriting your edits: ${written.reason}.`, 15_000);
        break;
    }
    if (citations && citations.unverified > 0) {
      notify(
        `${PREFIX}${citations.unverified} of ${citations.total} citations could not be verified; they are marked "unverified" in the note.`,
      );
    }
  }
}

/** True for errors that mean "check your settings" rather than "try again". */
export function isSetupError(err: unknown): boolean {
  return err instanceof NotConfiguredError || err instanceof AuthenticationError;
}
