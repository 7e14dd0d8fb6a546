import type { SearchIndexHit, SearchRequest } from "../../ports/search-index.ts";
import { cutSnippet, makeSnippet, type SnippetMatch } from "../fts5/fts5-snippet.ts";
import { LATIN_WORD, parseQuery, type QueryTerms } from "../fts5/fts5-text.ts";

/**
 * Queries of the chunk index, shared by the Elasticsearch 8 and OpenSearch adapters.
 *
 * User text is never parsed as query syntax: the query is split into terms exactly as the embedded
 * FTS5 index does it (`parseQuery`: Latin words and CJK runs, NFKC, at most 32 terms), and each
 * becomes a `match`/`match_phrase` clause whose text the engine only analyses. So quotes, operators,
 * `*`, `:` or emoji can never make a search fail. All terms are required (AND), as in FTS5.
 */

/** The engine's default `index.max_result_window`: `from + size` may not exceed it. */
export const MAX_RESULT_WINDOW = 10_000;
/** Most hits one page may ask for (as the FTS5 adapter). */
export const MAX_LIMIT = 1000;

/** Marks the highlighter puts around matches; a random part makes a clash with document text impossible in practice. */
export interface HighlightTags {
  pre: string;
  post: string;
}

export function highlightTags(nonce: string): HighlightTags {
  return { pre: `[[aa-hl-${nonce}]]`, post: `[[/aa-hl-${nonce}]]` };
}

/** A Latin word, possibly with inner apostrophes (don't, Bayes's), as the standard tokenizer keeps them whole. */
const LATIN_TERM = new RegExp(`${LATIN_WORD.source}(?:['\u2019]${LATIN_WORD.source})*`, "gu");

/** The query's Latin words, apostrophes kept, for one `match` clause analysed like the indexed text. */
function latinText(text: string, terms: QueryTerms): string {
  const allowed = new Set(terms.words);
  const words: string[] = [];
  for (const [word] of text.normalize("NFKC").matchAll(LATIN_TERM)) {
    // parseQuery decides which words count (and caps them); apostrophe words are kept whole when their parts count.
    const parts = word.toLowerCase().match(LATIN_WORD) ?? [];
    if (parts.length > 0 && parts.every((p) => allowed.has(p))) words.push(word);
  }
  return words.join(" ");
}

/** The `query` clauses for the terms, or null when nothing in the text can match. */
function termClauses(text: string, terms: QueryTerms): Record<string, unknown>[] | null {
  const clauses: Record<string, unknown>[] = [];
  const latin = latinText(text, terms);
  if (latin !== "") clauses.push({ match: { text: { query: latin, operator: "and" } } });
  for (const run of terms.cjk) {
    clauses.push(
      Array.from(run).length === 1
        ? // One character: its unigram (the bigram field only holds pairs).
          { match: { "text.unigram": { query: run } } }
        : // Two or more: its bigrams, adjacent and in order.
          { match_phrase: { text: { query: run } } },
    );
  }
  return clauses.length === 0 ? null : clauses;
}

/** A validated page: null when the page is empty (nothing to ask the engine). */
export function pageOf(request: SearchRequest): { from: number; size: number } | null {
  const limit = Math.min(Math.max(0, Math.floor(request.limit)), MAX_LIMIT);
  const offset = Math.max(0, Math.floor(request.offset));
  if (!Number.isFinite(limit) || !Number.isFinite(offset)) return null;
  const size = Math.min(limit, MAX_RESULT_WINDOW - offset);
  return size <= 0 ? null : { from: offset, size };
}

/**
 * The `_search` body for `request`, or null when it cannot find anything (no project, an empty page,
 * or no letters or digits in the text). Hits are ranked by BM25, ties broken by chunk id so that pages
 * never overlap.
 */
export function searchBody(
  request: SearchRequest,
  terms: QueryTerms,
  tags: HighlightTags,
): Record<string, unknown> | null {
  const page = pageOf(request);
  const text = typeof request.text === "string" ? request.text : "";
  const must = termClauses(text, terms);
  if (request.projectIds.length === 0 || page === null || must === null) return null;
  const filter: Record<string, unknown>[] = [{ terms: { projectId: request.projectIds } }];
  if (request.documentId !== undefined) filter.push({ term: { documentId: request.documentId } });
  return {
    ...page,
    query: { bool: { must, filter } },
    sort: [{ _score: { order: "desc" } }, { chunkId: { order: "asc" } }],
    track_total_hits: false,
    _source: ["chunkId", "documentId", "projectId", "pageStart", "pageEnd", "section", "text"],
    highlight: {
      type: "unified",
      // The whole text, marked: the snippet is cut here (as in FTS5) around the densest matches.
      number_of_fragments: 0,
      pre_tags: [tags.pre],
      post_tags: [tags.post],
      require_field_match: true,
      fields: { text: {}, "text.unigram": {} },
    },
  };
}

/** The stored chunk, as returned in `_source`. */
interface ChunkSource {
  chunkId: string;
  documentId: string;
  projectId: string;
  pageStart: number;
  pageEnd: number;
  section: string | null;
  text: string;
}

/** One hit of the engine's `_search` response (the fields we read). */
export interface EngineHit {
  _id?: string | undefined;
  _score?: number | null | undefined;
  _source?: unknown;
  highlight?: Record<string, string[]> | undefined;
}

/**
 * The matched ranges of `text` according to the highlighter's marked copies of it; null when a marked
 * copy does not line up with the text (then the caller falls back to matching terms itself).
 */
export function highlightRanges(
  text: string,
  marked: readonly string[],
  tags: HighlightTags,
): SnippetMatch[] | null {
  const keys = new Map<string, number>();
  const matches: SnippetMatch[] = [];
  for (const copy of marked) {
    let plain = "";
    const ranges: { start: number; end: number }[] = [];
    for (const [i, part] of copy.split(tags.pre).entries()) {
      if (i === 0) {
        plain += part;
        continue;
      }
      const close = part.indexOf(tags.post);
      if (close < 0) return null;
      ranges.push({ start: plain.length, end: plain.length + close });
      plain += part.slice(0, close) + part.slice(close + tags.post.length);
    }
    const base = plain === text ? 0 : text.indexOf(plain);
    if (base < 0) return null;
    for (const r of ranges) {
      const key = text.slice(base + r.start, base + r.end).toLowerCase();
      if (!keys.has(key)) keys.set(key, keys.size);
      matches.push({ start: base + r.start, end: base + r.end, term: keys.get(key)! });
    }
  }
  return matches.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** A port hit from an engine hit: fields from `_source`, snippet cut around the highlighter's matches. */
export function toHit(hit: EngineHit, terms: QueryTerms, tags: HighlightTags): SearchIndexHit {
  const source = hit._source as ChunkSource;
  const marked = Object.values(hit.highlight ?? {}).flat();
  const matches = marked.length > 0 ? highlightRanges(source.text, marked, tags) : null;
  return {
    chunkId: source.chunkId,
    documentId: source.documentId,
    projectId: source.projectId,
    pageStart: source.pageStart,
    pageEnd: source.pageEnd,
    section: source.section ?? null,
    ...(matches ? cutSnippet(source.text, matches) : makeSnippet(source.text, terms)),
    score: hit._score ?? 0,
  };
}

export { parseQuery };
