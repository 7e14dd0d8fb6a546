/**
 * Character-level helpers shared by layout, metadata and chunking.
 */

/** Han, Hiragana, Katakana, CJK punctuation and full-width forms: scripts written without spaces. */
const CJK_CHAR =
  /[\u2E80-\u2FFF\u3000-\u30FF\u3190-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF]/u;
/** Characters that are specifically Japanese (kana) or shared Han ideographs. */
const JAPANESE_CHAR = /[\u3040-\u30FF\u31F0-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF66-\uFF9F]/u;

// C0/C1 controls except \t and \n, plus zero-width and bidi marks that pdf.js sometimes emits.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060\uFEFF]/gu;

/** True when `ch` (one character) belongs to a script that is written without spaces. */
export function isCjk(ch: string | undefined): boolean {
  return ch !== undefined && CJK_CHAR.test(ch);
}

/** True when `ch` is a kana or Han character. */
export function isJapaneseChar(ch: string): boolean {
  return JAPANESE_CHAR.test(ch);
}

/**
 * NFKC-normalises (ligatures "ﬁ" → "fi", full-width Latin → ASCII) and strips control characters.
 * Soft hyphens are kept, as "-": at a line end they mark a hyphenated word, which layout repairs.
 */
export function normalizeText(s: string): string {
  return s
    .replace(/\u00AD/g, "-")
    .normalize("NFKC")
    .replace(CONTROL_CHARS, "");
}

/** Collapses every run of whitespace to one space, and drops spaces next to CJK characters. */
export function collapseWhitespace(s: string): string {
  return s
    .replace(/\s+/g, " ")
    .replace(
      /(?<=[\u3000-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uFF00-\uFFEF]) (?=\S)|(?<=\S) (?=[\u3000-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uFF00-\uFFEF])/gu,
      "",
    )
    .trim();
}

/** Share of kana/Han characters among the letters of `text` (0 when it has no letters). */
export function japaneseShare(text: string): number {
  let letters = 0;
  let japanese = 0;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code < 0x80) {
      if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) letters++;
    } else if (/\p{L}/u.test(ch)) {
      letters++;
      if (isJapaneseChar(ch)) japanese++;
    }
  }
  return letters === 0 ? 0 : japanese / letters;
}
