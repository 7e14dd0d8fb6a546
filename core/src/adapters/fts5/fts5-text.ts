/**
 * Text preparation for the FTS5 index. The `unicode61` tokenizer turns a run of CJK characters (no
 * spaces between words) into one token, so a Japanese substring would never match. We therefore index
 * and query a derived text in which each CJK run is replaced by its overlapping character bigrams, a
 * classic n-gram approach that finds any substring of two or more characters as a phrase of bigrams.
 */

/** One CJK letter: Han, Hiragana, Katakana (with the prolonged sound mark), Hangul, fullwidth letters and digits. */
const CJK_CHAR = String.raw`(?:(?=[\p{L}\p{N}])[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30FC\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\uFF66-\uFF9F])`;
const CJK_RUN = new RegExp(`${CJK_CHAR}+`, "gu");
const IS_CJK_CHAR = new RegExp(`^${CJK_CHAR}$`, "u");
/** A word as `unicode61` sees it (letters, digits, private use), CJK excluded. */
export const LATIN_WORD = new RegExp(`(?:(?!${CJK_CHAR})[\\p{L}\\p{N}\\p{M}\\p{Co}])+`, "gu");

/** Most terms a query may have; the rest are ignored (keeps hostile queries cheap). */
const MAX_QUERY_TERMS = 32;

export const isCjkChar = (char: string): boolean => IS_CJK_CHAR.test(char);

/** Bigrams of a CJK run, then its last character alone, so that a one-character prefix query finds every position. */
function bigrams(run: string): string[] {
  const chars = Array.from(run);
  if (chars.length === 1) return chars;
  const grams: string[] = [];
  for (let i = 0; i < chars.length - 1; i++) grams.push(chars[i]! + chars[i + 1]!);
  grams.push(chars[chars.length - 1]!);
  return grams;
}

/** The text stored in the FTS5 column for `text`. */
export function toIndexText(text: string): string {
  return text.normalize("NFKC").replace(CJK_RUN, (run) => ` ${bigrams(run).join(" ")} `);
}

/** The terms of a user query: Latin words and CJK runs, normalised (NFKC), in order, deduplicated. */
export interface QueryTerms {
  words: string[];
  cjk: string[];
}

export function parseQuery(text: string): QueryTerms {
  const normalised = text.normalize("NFKC");
  const words = new Set<string>();
  const cjk = new Set<string>();
  let last = 0;
  const take = (segment: string): void => {
    for (const word of segment.match(LATIN_WORD) ?? []) words.add(word.toLowerCase());
  };
  for (const match of normalised.matchAll(CJK_RUN)) {
    take(normalised.slice(last, match.index));
    cjk.add(match[0]);
    last = match.index + match[0].length;
  }
  take(normalised.slice(last));
  const all = [
    ...[...words].map((w) => ({ w, cjk: false })),
    ...[...cjk].map((w) => ({ w, cjk: true })),
  ].slice(0, MAX_QUERY_TERMS);
  return { words: all.filter((t) => !t.cjk).map((t) => t.w), cjk: all.filter((t) => t.cjk).map((t) => t.w) };
}

const quote = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/**
 * An FTS5 MATCH expression for `terms`: every term quoted (so no user text is ever read as FTS5
 * syntax), all terms ANDed. Null when the query has nothing indexable.
 */
export function toMatchExpression(terms: QueryTerms): string | null {
  const parts = [
    ...terms.words.map(quote),
    ...terms.cjk.map((run) =>
      Array.from(run).length === 1 ? `${quote(run)}*` : quote(bigrams(run).slice(0, -1).join(" ")),
    ),
  ];
  return parts.length === 0 ? null : parts.join(" AND ");
}
