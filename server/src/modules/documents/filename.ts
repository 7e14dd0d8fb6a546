/** The longest display name kept, in code points (a file system's usual 255). */
export const MAX_FILENAME_CODE_POINTS = 255;

/**
 * Characters that are invisible or reorder what is shown, removed from names: C0/C1 controls
 * (NUL, tab, newline…), format characters — the bidi controls U+202A–U+202E, U+2066–U+2069,
 * U+200E/U+200F and U+061C (a right-to-left override makes `evil‮fdp.exe` look like `evilexe.pdf`),
 * the zero-width U+200B–U+200D, U+2060 and U+FEFF, soft hyphens, tag characters — and the line and
 * paragraph separators.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
/** Half of a surrogate pair without its other half (not text; cannot be encoded as UTF-8). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** An extension kept when a long name is shortened: a dot and 1–15 letters or digits. */
const EXTENSION = /\.[\p{L}\p{N}]{1,15}$/u;

/** Length in code points (a surrogate pair counts once), not UTF-16 units. */
function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The start of `s` with at most `max` code points, cut between graphemes (an accent or an emoji stays whole). */
function cutToCodePoints(s: string, max: number): string {
  let kept = "";
  let count = 0;
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(s)) {
    const n = codePoints(segment);
    if (count + n > max) break;
    kept += segment;
    count += n;
  }
  return kept;
}

/**
 * A file name for display and for the download's `Content-Disposition`, never for a path: the
 * last path segment, hidden and control characters removed (see {@link HIDDEN}), NFC, at most
 * {@link MAX_FILENAME_CODE_POINTS} code points (a long name keeps its extension), `document` when
 * nothing is left.
 */
export function cleanFilename(name: string | undefined): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  let cleaned = base.replace(LONE_SURROGATE, "\uFFFD").replace(HIDDEN, "").normalize("NFC").trim();
  if (cleaned === "." || cleaned === "..") cleaned = "";
  if (codePoints(cleaned) > MAX_FILENAME_CODE_POINTS) {
    const extension = EXTENSION.exec(cleaned)?.[0] ?? "";
    const stem = cleaned.slice(0, cleaned.length - extension.length);
    cleaned = cutToCodePoints(stem, MAX_FILENAME_CODE_POINTS - codePoints(extension)).trimEnd() + extension;
  }
  return cleaned || "document";
}

/** RFC 8187 `value-chars`: UTF-8, percent-encoded except `attr-char`. */
const encodeExtValue = (s: string) =>
  encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The name in plain ASCII for clients that ignore `filename*`: accents dropped (`résumé` → `resume`),
 * every other non-ASCII character, quote, backslash and percent sign replaced by `_`.
 */
function asciiFallback(name: string): string {
  return (
    name
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .replace(/[^\x20-\x7e]|["\\%]/g, "_")
      .trim() || "document"
  );
}

/**
 * `Content-Disposition: attachment` (RFC 6266) carrying the name exactly as UTF-8 in `filename*`
 * (RFC 8187) with an ASCII `filename` fallback. The name is cleaned again here, so a name stored by
 * an older version cannot smuggle a control character into the header.
 */
export function attachmentDisposition(filename: string): string {
  const name = cleanFilename(filename);
  return `attachment; filename="${asciiFallback(name)}"; filename*=UTF-8''${encodeExtValue(name)}`;
}
