/** The extension's settings, typed; `config.ts` reads them from VS Code. No `vscode` import here. */
export interface Config {
  /** The server's origin, without a trailing slash. */
  serverUrl: string;
  /** The notes folder, relative to the workspace folder (POSIX separators). */
  notesFolder: string;
  /** A template id to use without asking, or null to ask. */
  defaultTemplate: string | null;
  /** The note language, or null for the project's. */
  noteLanguage: "en" | "ja" | null;
  openAfterGenerate: boolean;
}

export const SECTION = "academic-assist";
export const DEFAULT_SERVER_URL = "http://127.0.0.1:8000";
export const DEFAULT_NOTES_FOLDER = "notes";

/** Turns raw setting values (anything a user can type into settings.json) into a `Config`. */
export function parseConfig(raw: Record<string, unknown>): { config: Config; problems: string[] } {
  const problems: string[] = [];
  const str = (key: string) => (typeof raw[key] === "string" ? raw[key].trim() : "");

  let serverUrl = str("serverUrl") || DEFAULT_SERVER_URL;
  try {
    const url = new URL(serverUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    serverUrl = url.origin + url.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  } catch {
    problems.push(
      `academic-assist.serverUrl "${serverUrl}" is not an http(s) URL; using ${DEFAULT_SERVER_URL}.`,
    );
    serverUrl = DEFAULT_SERVER_URL;
  }

  const notesFolder =
    str("notesFolder")
      .replace(/\\/g, "/")
      .replace(/^\.\/+/, "")
      .replace(/\/+$/, "") || DEFAULT_NOTES_FOLDER;

  const language = raw.noteLanguage;
  return {
    config: {
      serverUrl,
      notesFolder,
      defaultTemplate: str("defaultTemplate") || null,
      noteLanguage: language === "en" || language === "ja" ? language : null,
      openAfterGenerate: raw.openAfterGenerate !== false,
    },
    problems,
  };
}
