/**
 * The plugin's settings as stored in data.json (which syncs with the vault, so it never holds the
 * token: see token-store.ts), their defaults, and the migration from every older shape.
 */

/** How `[p. N]` citations become links to the PDF. */
export type LinkStyle = "wikilink" | "markdown";

export type NoteLanguage = "auto" | "en" | "ja";

export interface Settings {
  /** Settings format; bump it and extend `migrateSettings` when the shape changes. */
  version: 1;
  /** The server's origin: the local server by default, or a team server over HTTPS. */
  serverUrl: string;
  /** Vault folder the notes are written into (vault-relative). */
  notesFolder: string;
  /** Template used by "Process PDF" (the suggester of "Generate literature note" offers all). */
  defaultTemplate: string;
  /** Language of generated notes; `auto` lets the server use the project's. */
  language: NoteLanguage;
  linkStyle: LinkStyle;
  /** The server project PDFs go into; empty: the first project (or a new "My library"). */
  projectId: string;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  version: 1,
  serverUrl: "http://127.0.0.1:8000",
  notesFolder: "Literature notes",
  defaultTemplate: "literature-note",
  language: "auto",
  linkStyle: "wikilink",
  projectId: "",
});

export interface MigratedSettings {
  settings: Settings;
  /**
   * A token found in the stored data (v0 kept it in data.json as `apiKey`): move it into the
   * secret store and save the settings again, so it leaves the synced file.
   */
  legacyToken: string | null;
  /** Whether the stored data differed from `settings` (and should be saved back). */
  changed: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const str = (v: unknown): string | undefined => (typeof v === "string" ? v.trim() : undefined);

const oneOf = <T extends string>(v: unknown, allowed: readonly T[]): T | undefined =>
  typeof v === "string" && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;

/** `http(s)://host[:port][/path]` without a trailing slash, or undefined if it is not such a URL. */
export function normalizeServerUrl(raw: unknown): string | undefined {
  const s = str(raw);
  if (!s) return undefined;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password) return undefined;
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

/**
 * Turns whatever data.json holds into valid settings: the current shape, the v0 shape
 * (`{ serverUrl|server, apiKey, folder, template, lang, wikilinks }`), or junk (defaults). Unknown
 * or invalid values fall back to their defaults one by one, so one bad field never resets the rest.
 */
export function migrateSettings(raw: unknown): MigratedSettings {
  const d = isRecord(raw) ? raw : {};
  let legacyToken: string | null = null;

  // v0 (before `version`): `apiKey`, `folder`, `template`, `lang`, `wikilinks: boolean`, `server`.
  const v0 = d.version === undefined;
  if (v0 || "apiKey" in d || "token" in d) {
    legacyToken = str(d.apiKey) || str(d.token) || null;
  }
  const linkStyle =
    oneOf(d.linkStyle, ["wikilink", "markdown"] as const) ??
    (typeof d.wikilinks === "boolean" ? (d.wikilinks ? "wikilink" : "markdown") : undefined);
  const language =
    oneOf(d.language, ["auto", "en", "ja"] as const) ?? oneOf(d.lang, ["auto", "en", "ja"] as const);

  const settings: Settings = {
    version: 1,
    serverUrl: normalizeServerUrl(d.serverUrl) ?? normalizeServerUrl(d.server) ?? DEFAULT_SETTINGS.serverUrl,
    notesFolder: str(d.notesFolder) ?? str(d.folder) ?? DEFAULT_SETTINGS.notesFolder,
    defaultTemplate:
      templateId(d.defaultTemplate) ?? templateId(d.template) ?? DEFAULT_SETTINGS.defaultTemplate,
    language: language ?? DEFAULT_SETTINGS.language,
    linkStyle: linkStyle ?? DEFAULT_SETTINGS.linkStyle,
    projectId: str(d.projectId) ?? DEFAULT_SETTINGS.projectId,
  };
  const changed = JSON.stringify(settings) !== JSON.stringify(raw);
  return { settings, legacyToken, changed };
}

function templateId(v: unknown): string | undefined {
  const s = str(v);
  return s && /^[a-z0-9][a-z0-9-]{0,63}$/.test(s) ? s : undefined;
}
