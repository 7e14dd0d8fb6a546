/** A file name or path that would put a note outside its folder, or somewhere notes must never go. */
export class UnsafePathError extends Error {
  override name = "UnsafePathError";
}

const MAX_GRAPHEMES = 100;
/** Leaves room under the common 255-byte limit for ` (regenerated 2026-11-28 1530) 99.md`. */
const MAX_UTF8_BYTES = 200;
// Characters Windows, macOS or Obsidian links refuse, and path separators.
const FORBIDDEN = /[<>:"/\\|?*#^[\]]/g;
// C0/C1 controls, and invisible bidi/format characters that can disguise a name (`gpj.exe` tricks).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const RESERVED_WINDOWS = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;

/**
 * A safe Markdown file name for a note, made by code from its title: never a path, never hidden,
 * never a reserved Windows name, at most ~100 characters (cut on a grapheme boundary), Japanese and
 * emoji kept, ending in `.md`. Falls back to `fallback` (sanitised the same way), then to `note`.
 */
export function noteFileName(title: string | null, fallback: string): string {
  const stem = sanitizeStem(title ?? "") || sanitizeStem(fallback) || "note";
  return `${stem}.md`;
}

function sanitizeStem(raw: string): string {
  let s = raw.normalize("NFKC");
  s = s.replace(INVISIBLE, " ").replace(FORBIDDEN, " ");
  // Words made only of dots were path segments (`../`); drop them. Other `..` means "parent" to too
  // many tools, so the author's ellipsis becomes one character.
  s = s.replace(/(^|\s)\.+(?=\s|$)/gu, " ").replace(/\.{2,}/g, "…");
  s = s.replace(/\s+/gu, " ");
  s = trimName(s).replace(/\.md$/i, "");
  s = trimName(truncate(trimName(s)));
  if (RESERVED_WINDOWS.test(s)) s = `_${s}`;
  return s;
}

/** No leading dots (hidden files) or spaces; no trailing dots or spaces (Windows drops them). */
function trimName(s: string): string {
  return s.replace(/^[\s.]+/u, "").replace(/[\s.]+$/u, "");
}

function truncate(s: string): string {
  const encoder = new TextEncoder();
  let out = "";
  let count = 0;
  let bytes = 0;
  for (const g of graphemes(s)) {
    const size = encoder.encode(g).length;
    if (count + 1 > MAX_GRAPHEMES || bytes + size > MAX_UTF8_BYTES) break;
    out += g;
    count++;
    bytes += size;
  }
  return out;
}

function graphemes(s: string): Iterable<string> {
  if (typeof Intl.Segmenter === "function") {
    return [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(s)].map((x) => x.segment);
  }
  return Array.from(s);
}

/**
 * Joins a notes folder and a note's file name POSIX-style, and throws `UnsafePathError` unless the
 * result is a direct child of the folder. `fileName` must be one plain segment (no `/`, `\`, `:`,
 * `..`, leading dot); the folder may be relative (vault-relative) or absolute, and must not lie in
 * a `.obsidian` or `.git` folder.
 */
export function resolveNotePath(notesFolder: string, fileName: string): string {
  if (
    fileName === "" ||
    /[/\\:\0]/.test(fileName) ||
    fileName.startsWith(".") ||
    fileName !== fileName.trim() ||
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\u0000-\u001f\u007f]/.test(fileName)
  ) {
    throw new UnsafePathError(`Not a safe note file name: ${JSON.stringify(fileName)}`);
  }
  const folder = normalizeFolder(notesFolder);
  const segments = folder.split("/");
  if (segments.some((seg) => seg === ".obsidian" || seg === ".git")) {
    throw new UnsafePathError(
      `Refusing to write notes into ${JSON.stringify(notesFolder)}: it is a configuration folder.`,
    );
  }
  // fileName is one segment and not `.`/`..` (checked above), so the join cannot leave the folder.
  if (folder === "") return fileName;
  return folder.endsWith("/") ? `${folder}${fileName}` : `${folder}/${fileName}`;
}

/** `\` → `/`, no `.` segments, `..` resolved (but never above the root of an absolute path), no trailing `/`. */
function normalizeFolder(folder: string): string {
  const f = folder.replace(/\\/g, "/");
  const absolute = f.startsWith("/");
  const drive = /^[A-Za-z]:(?=\/|$)/.exec(f)?.[0];
  const rest = drive ? f.slice(drive.length) : f;
  const out: string[] = [];
  for (const seg of rest.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute && !drive) out.push("..");
      continue;
    }
    out.push(seg);
  }
  const body = out.join("/");
  if (drive) return `${drive}/${body}`;
  if (absolute) return `/${body}`;
  return body;
}
