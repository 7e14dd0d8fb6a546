import { headingLevel } from "./sections.ts";
import { countTokens, splitSentences } from "./sentences.ts";
import { collapseWhitespace } from "./text-normalize.ts";

/** A passage of a document, ready to be stored and indexed. */
export interface ChunkDraft {
  /** 0-based position in the document. */
  ordinal: number;
  text: string;
  /** First and last page the passage's text comes from (1-based, inclusive). */
  pageStart: number;
  pageEnd: number;
  /** The section path, e.g. "2 Methods > 2.1 Data", or null before the first heading. */
  section: string | null;
  /** Approximate tokens: words for Latin scripts, characters for CJK. */
  tokenCount: number;
}

/** Options of {@link chunkPages}. */
export interface ChunkOptions {
  /** Upper bound of a chunk's tokens (default 400). */
  maxTokens?: number;
  /** Tokens of trailing sentences repeated at the start of the next chunk (default 50). */
  overlapTokens?: number;
}

interface Unit {
  text: string;
  page: number;
  tokens: number;
  section: string | null;
  paragraphStart: boolean;
  heading: boolean;
}

/**
 * Splits pages into overlapping passages for search and generation: on paragraphs and sentences
 * (a sentence is cut only when it alone exceeds `maxTokens`), one section per chunk, the current
 * section path carried along, page ranges exact.
 */
export function chunkPages(
  pages: readonly { number: number; text: string }[],
  opts: ChunkOptions = {},
): ChunkDraft[] {
  const maxTokens = Math.max(8, opts.maxTokens ?? 400);
  const overlapTokens = Math.max(0, Math.min(opts.overlapTokens ?? 50, Math.floor(maxTokens / 2)));
  const units = toUnits(pages, maxTokens);

  const chunks: ChunkDraft[] = [];
  let current: Unit[] = [];
  const emit = () => {
    if (current.length === 0 || current.every((u) => u.heading)) return;
    const text = current
      .map(
        (u, i) =>
          (i === 0 ? "" : u.paragraphStart || u.heading || current[i - 1]!.heading ? "\n\n" : " ") + u.text,
      )
      .join("");
    chunks.push({
      ordinal: chunks.length,
      text,
      pageStart: Math.min(...current.map((u) => u.page)),
      pageEnd: Math.max(...current.map((u) => u.page)),
      section: current.at(-1)!.section,
      tokenCount: current.reduce((n, u) => n + u.tokens, 0),
    });
  };
  let tokens = 0;
  for (const unit of units) {
    const sectionChanged = current.length > 0 && unit.section !== current.at(-1)!.section;
    if (current.length > 0 && (sectionChanged || tokens + unit.tokens > maxTokens)) {
      const previous = current;
      emit();
      current = [];
      tokens = 0;
      if (!sectionChanged && !unit.heading) {
        // Repeat the last sentences (never the whole chunk) so a passage keeps its context.
        const carry: Unit[] = [];
        let carried = 0;
        for (let i = previous.length - 1; i > 0; i--) {
          const u = previous[i]!;
          if (u.heading || carried + u.tokens > overlapTokens || carried + u.tokens + unit.tokens > maxTokens)
            break;
          carry.unshift(u);
          carried += u.tokens;
        }
        current = carry;
        tokens = carried;
      }
    }
    current.push(unit);
    tokens += unit.tokens;
  }
  emit();
  return chunks;
}

function toUnits(pages: readonly { number: number; text: string }[], maxTokens: number): Unit[] {
  const units: Unit[] = [];
  const path: { level: number; title: string }[] = [];
  // Papers with numbered sections use Title-Case lines for tables and run-in headings only.
  let numberedSeen = false;
  for (const page of pages) {
    const paras = page.text.split(/\n[ \t]*\n/);
    for (const [pi, para] of paras.entries()) {
      const lines = para.split("\n").filter((l) => l.trim());
      if (lines.length === 0) continue;
      // A short Title-Case line is a heading only when body text follows it (names on a title
      // page and table headers are followed by short lines), and only after a real heading.
      const nextWords = (paras[pi + 1] ?? "").split(/\s+/).length;
      const allowTitleCase = !numberedSeen && path.length > 0 && lines.length === 1 && nextWords >= 20;
      const level = headingLevel(lines[0]!, { allowTitleCase });
      let body = lines;
      if (level !== null && (lines.length === 1 || lines[0]!.length < 60)) {
        const title = collapseWhitespace(lines[0]!);
        if (/^\d/.test(title)) numberedSeen = true;
        while (path.length > 0 && path.at(-1)!.level >= level) path.pop();
        path.push({ level, title });
        units.push({
          text: title,
          page: page.number,
          tokens: countTokens(title),
          section: sectionOf(path),
          paragraphStart: true,
          heading: true,
        });
        body = lines.slice(1);
      }
      let first = true;
      for (const sentence of splitSentences(body.join("\n"))) {
        for (const piece of splitLong(sentence, maxTokens)) {
          units.push({
            text: piece,
            page: page.number,
            tokens: countTokens(piece),
            section: sectionOf(path),
            paragraphStart: first,
            heading: false,
          });
          first = false;
        }
      }
    }
  }
  return units;
}

const sectionOf = (path: { title: string }[]): string | null =>
  path.length ? path.map((p) => p.title).join(" > ") : null;

function splitLong(sentence: string, maxTokens: number): string[] {
  if (countTokens(sentence) <= maxTokens) return [sentence];
  // Tokens: Latin words with their trailing space, or single CJK characters.
  const tokens =
    sentence.match(
      /[\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uAC00-\uD7AF]|[^\s\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uAC00-\uD7AF]+\s*|\s+/gu,
    ) ?? [];
  const out: string[] = [];
  let cur = "";
  let n = 0;
  for (const tok of tokens) {
    const weight = /[\p{L}\p{N}]/u.test(tok) ? 1 : 0;
    if (n + weight > maxTokens) {
      out.push(cur.trim());
      cur = "";
      n = 0;
    }
    cur += tok;
    n += weight;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
