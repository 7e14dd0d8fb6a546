import { LATIN_WORD, isCjkChar, type QueryTerms } from "./fts5-text.ts";

/** Target snippet length in characters. */
const SNIPPET_LENGTH = 200;
/** How far a snippet edge may move to land on a word boundary. */
const ALIGN_SLACK = 30;

/** One matched range of a text, and which query term it matched (for picking the densest window). */
export interface SnippetMatch {
  start: number;
  end: number;
  term: number;
}
type Match = SnippetMatch;

const fold = (s: string): string =>
  s
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();

/**
 * A prefix that matches the word's inflected forms well enough for highlighting (the index itself
 * uses the Porter stemmer): `learning` → `learn`, `studies` → `stud`, `computation` → `comput`.
 */
function stemPrefix(word: string): string {
  const folded = fold(word);
  if (folded.length <= 4) return folded;
  const stripped = folded.replace(/(?:ations?|ings?|ers?|ied|ies|ed|es|ly|s)$/u, "").replace(/[eiy]$/u, "");
  return stripped.length >= 3 ? stripped : folded;
}

function findMatches(text: string, terms: QueryTerms): Match[] {
  const matches: Match[] = [];
  const prefixes = terms.words.map(stemPrefix);
  if (prefixes.length > 0) {
    for (const m of text.matchAll(LATIN_WORD)) {
      const word = fold(m[0].normalize("NFKC"));
      const term = prefixes.findIndex((p) => word.startsWith(p));
      if (term >= 0) matches.push({ start: m.index, end: m.index + m[0].length, term });
    }
  }
  terms.cjk.forEach((run, i) => {
    for (let at = text.indexOf(run); at >= 0; at = text.indexOf(run, at + run.length)) {
      matches.push({ start: at, end: at + run.length, term: prefixes.length + i });
    }
  });
  return matches.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** The window of matches holding the most distinct terms, then the most matches. */
function densest(matches: readonly Match[]): { start: number; end: number } | null {
  let best: { start: number; end: number; score: number } | null = null;
  for (let i = 0; i < matches.length; i++) {
    const first = matches[i]!;
    const terms = new Set<number>();
    let end = first.end;
    let count = 0;
    for (let j = i; j < matches.length && matches[j]!.end - first.start <= SNIPPET_LENGTH; j++) {
      terms.add(matches[j]!.term);
      end = Math.max(end, matches[j]!.end);
      count++;
    }
    const score = terms.size * 10_000 + count;
    if (!best || score > best.score) best = { start: first.start, end, score };
  }
  return best;
}

/** True between two characters a cut may fall: next to whitespace or next to a CJK character (CJK has no spaces). */
const isCutPoint = (text: string, k: number): boolean => {
  if (k <= 0 || k >= text.length) return true;
  const before = text[k - 1]!;
  const after = text[k]!;
  return /\s/u.test(before) || /\s/u.test(after) || isCjkChar(before) || isCjkChar(after);
};
const isLowSurrogate = (text: string, i: number): boolean => {
  const code = text.charCodeAt(i);
  return code >= 0xdc00 && code <= 0xdfff;
};

/**
 * Moves a cut at `i` out of the middle of a word (and of a surrogate pair): first towards
 * `direction` (shrinking the snippet, as long as it stays on the outer side of `limit`), else the
 * other way, by at most {@link ALIGN_SLACK} characters.
 */
function align(text: string, i: number, direction: 1 | -1, limit: number): number {
  const insideWord = (k: number): boolean => !isCutPoint(text, k);
  const walk = (dir: 1 | -1): number => {
    let k = i;
    while (insideWord(k) && Math.abs(k - i) <= ALIGN_SLACK) k += dir;
    return insideWord(k) ? -1 : k;
  };
  let at = i;
  if (insideWord(i)) {
    const inward = walk(direction);
    const fits = inward >= 0 && (direction === 1 ? inward <= limit : inward >= limit);
    const outward = walk(direction === 1 ? -1 : 1);
    at = fits ? inward : outward >= 0 ? outward : i;
  }
  if (at > 0 && at < text.length && isLowSurrogate(text, at)) at += direction === 1 ? -1 : 1;
  return at;
}

/**
 * About {@link SNIPPET_LENGTH} characters of `text` around its densest cluster of query matches, cut
 * at word boundaries, with the matched ranges (offsets into the snippet). English words match on
 * stem prefixes, case- and accent-insensitively; CJK terms match as substrings.
 */
export function makeSnippet(
  text: string,
  terms: QueryTerms,
): { snippet: string; highlights: { start: number; end: number }[] } {
  return cutSnippet(text, findMatches(text, terms));
}

/**
 * About {@link SNIPPET_LENGTH} characters of `text` around the densest cluster of `matches` (sorted by
 * start), cut at word boundaries, with the matched ranges as offsets into the snippet. Shared with the
 * Elasticsearch/OpenSearch adapters, which take their matches from the engine's highlighter.
 */
export function cutSnippet(
  text: string,
  matches: readonly SnippetMatch[],
): { snippet: string; highlights: { start: number; end: number }[] } {
  const focus = densest(matches) ?? { start: 0, end: 0 };
  const pad = Math.max(0, Math.floor((SNIPPET_LENGTH - (focus.end - focus.start)) / 2));
  let start = Math.max(0, focus.start - pad);
  let end = Math.min(text.length, start + Math.max(SNIPPET_LENGTH, focus.end - focus.start));
  start = Math.max(0, Math.min(start, end - SNIPPET_LENGTH));
  start = align(text, start, 1, focus.start);
  end = align(text, end, -1, focus.end);
  while (start < end && /\s/u.test(text[start]!)) start++;
  while (end > start && /\s/u.test(text[end - 1]!)) end--;

  // Whitespace is flattened one character for one, so offsets stay valid.
  const snippet = text.slice(start, end).replace(/\s/gu, " ");
  const highlights: { start: number; end: number }[] = [];
  for (const m of matches) {
    if (m.start < start || m.end > end) continue;
    const range = { start: m.start - start, end: m.end - start };
    const previous = highlights[highlights.length - 1];
    if (previous && range.start <= previous.end) previous.end = Math.max(previous.end, range.end);
    else highlights.push(range);
  }
  return { snippet, highlights };
}
