import type { DocumentMetadata } from "@academic-assist/sdk/contract";
import { extractCaptions } from "./captions.ts";
import { findDoi } from "./doi.ts";
import { findArxivId, findKeywords, findVenue } from "./front-matter.ts";
import { extractReferences } from "./references.ts";
import { extractSections } from "./sections.ts";
import { collapseWhitespace, isJapaneseChar, japaneseShare } from "./text-normalize.ts";
import type { LayoutLine, PageLayout } from "./types.ts";

/** What the PDF's Info dictionary says; only a fallback, it is often wrong or a file name. */
export interface InfoHints {
  title: string | null;
  creationYear: number | null;
}

// Lines that are typeset big but are not the title: journal furniture, article-type labels, stamps.
const NOT_TITLE = [
  /^arxiv:/i,
  /^(research|review|original|short|brief|technical|case|full|regular|conference|journal)?\s*(article|paper|communication|report|review|note|study)s?$/i,
  /open access/i,
  /^(proceedings|journal|vol\.|volume|issn|doi|https?:|www\.|copyright|©|received|accepted|published)/i,
  /^(abstract|概要|要旨)$/i,
];
const AFFILIATION =
  /(universit|institut|department|dept\.|school|college|laborator|\blab\b|centre|center|hospital|\binc\b|corporation|company|co\.|ltd|gmbh|faculty|division|academy|ministry|@|https?:|大学|研究所|研究室|所属|株式会社|学部|学科|研究科|センター)/i;
const STOP_AUTHORS =
  /^(abstract|summary|keywords?|key words|introduction|correspondence|received|概要|要旨|あらまし)/i;
const ABSTRACT_HEADING = /^(?:abstract|summary|概要|要旨|あらまし)(?:\s*[.:：—–-]\s*|\s+|$)/i;
const AFTER_ABSTRACT =
  /^(?:(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s*\p{L}|keywords?\b|key\s*words\b|index terms\b|ccs concepts\b|introduction$|background$|はじめに|序論|キーワード|まえがき)/iu;

/** Options of {@link extractMetadata}. */
export interface MetadataOptions {
  /**
   * Text printed rotated in the margins (left out of the reading order), e.g. arXiv's side stamp
   * "arXiv:2203.00130v1 [cs.HC] 28 Feb 2022". The arXiv id is found there.
   */
  marginText?: string;
}

/**
 * Title, authors, abstract, DOI, year, language, keywords, arXiv id, venue, section tree and
 * captions of a document, from the typography of its pages. The Info dictionary's title is used
 * only when page 1 offers nothing plausible.
 */
export function extractMetadata(
  pages: PageLayout[],
  hints: InfoHints,
  opts: MetadataOptions = {},
): DocumentMetadata {
  const first = pages[0];
  const headText = pages
    .slice(0, 2)
    .map((p) => p.text)
    .join("\n");
  const language =
    japaneseShare(
      pages
        .slice(0, 10)
        .map((p) => p.text)
        .join("\n"),
    ) >= 0.2
      ? "ja"
      : "en";
  const titleBlock = first ? findTitle(first) : null;
  const title = titleBlock?.text ?? plausibleInfoTitle(hints.title);
  const authors = first && titleBlock ? findAuthors(first, titleBlock) : [];
  // BMC and others print the article's DOI only next to "Cite this article as" on the last page.
  const lastText = pages.at(-1)?.text ?? "";
  const citeLine = /doi:\s*10\.[^\n]*\n\s*cite this article/i.exec(lastText)?.[0] ?? "";
  const doi = findDoi(headText) ?? findDoi(citeLine);
  return {
    title,
    authors,
    abstract: findAbstract(pages.slice(0, 2)),
    doi,
    year: findYear(first, doi, hints.creationYear),
    language,
    references: extractReferences(pages),
    keywords: findKeywords(pages),
    arxivId: findArxivId(pages, opts.marginText),
    venue: findVenue(pages, opts.marginText),
    sections: extractSections(pages),
    captions: extractCaptions(pages),
  };
}

interface Block {
  text: string;
  size: number;
  lines: LayoutLine[];
  /** Index of the last line of the block in the page's lines. */
  lastIndex: number;
}

function joinLines(parts: string[]): string {
  return collapseWhitespace(parts.join(" "));
}

function letterCount(s: string): number {
  return (s.match(/\p{L}/gu) ?? []).length;
}

function isTitleCandidate(line: LayoutLine, pageHeight: number): boolean {
  const t = line.text.trim();
  if (line.top > pageHeight * 0.65 || letterCount(t) < 2) return false;
  if (NOT_TITLE.some((re) => re.test(t))) return false;
  // "R E V I E W": letter-spaced labels.
  const tokens = t.split(/\s+/);
  if (tokens.length >= 4 && tokens.filter((x) => x.length === 1).length / tokens.length > 0.6) return false;
  return true;
}

function findTitle(page: PageLayout): Block | null {
  const blocks: Block[] = [];
  let cur: Block | null = null;
  page.lines.forEach((line, i) => {
    if (!isTitleCandidate(line, page.height)) {
      cur = null;
      return;
    }
    const prev: Block | null = cur;
    const last = prev?.lines.at(-1);
    if (
      prev &&
      last &&
      Math.abs(last.size - line.size) < 0.3 &&
      line.top > last.top &&
      line.top - last.top < 2.2 * line.size
    ) {
      prev.lines.push(line);
      prev.text = joinLines(prev.lines.map((l) => l.text));
      prev.lastIndex = i;
      return;
    }
    cur = { text: collapseWhitespace(line.text), size: line.size, lines: [line], lastIndex: i };
    blocks.push(cur);
  });
  const plausible = blocks.filter((b) => {
    const cjk = Array.from(b.text).filter(isJapaneseChar).length;
    const words = b.text.split(/\s+/).filter((w) => letterCount(w) > 0).length;
    const longEnough = cjk >= 6 || (words >= 2 && b.text.length >= 10);
    return longEnough && b.text.length <= 300 && b.lines.length <= 5 && !/@/.test(b.text);
  });
  if (plausible.length === 0) return null;
  const best = plausible.reduce((a, b) => (b.size > a.size + 0.2 ? b : a));
  return best;
}

function plausibleInfoTitle(title: string | null): string | null {
  if (!title) return null;
  const t = collapseWhitespace(title);
  // Info titles are often file names or tool output ("ipg1300180a", "Microsoft Word - x.doc").
  if (t.length < 10 || !/\s/.test(t) || /\.(docx?|tex|pdf|dvi)$/i.test(t) || /^microsoft word/i.test(t))
    return null;
  return t;
}

const MARKERS = /[*∗†‡§¶#♠♡♢♣☯✉⁎\d\u0370-\u03FF\u00B9\u00B2\u00B3\u2070-\u209F]+/gu;

function findAuthors(page: PageLayout, title: Block): string[] {
  const titleIsJapanese = Array.from(title.text).some(isJapaneseChar);
  const names: string[] = [];
  let size: number | null = null;
  for (const line of page.lines.slice(title.lastIndex + 1, title.lastIndex + 10)) {
    const t = line.text.trim();
    if (!t || letterCount(t) === 0) continue;
    if (STOP_AUTHORS.test(t)) break;
    if (titleIsJapanese) {
      // Japanese title pages interleave names with romanised names, translated titles and
      // affiliations (sometimes in side-by-side blocks): take the short Japanese lines that are
      // not affiliations, up to the first long (body) line.
      if (!Array.from(t).some(isJapaneseChar) || AFFILIATION.test(t)) continue;
      if (t.length > 40) break;
      names.push(...splitJapaneseNames(t));
      continue;
    }
    // "TAL AUGUST, University of Washington, USA" (ACM): the name precedes the affiliation.
    const acm = /^([A-Z][A-Z.'-]*(?: [A-Z][A-Z.'-]*)+),\s+\S/.exec(t);
    if (acm && AFFILIATION.test(t)) {
      names.push(acm[1]!);
      size = line.size;
      continue;
    }
    if (AFFILIATION.test(t) || /^[*∗†‡§¶\d]/.test(t)) break;
    if (size !== null && Math.abs(line.size - size) > 0.6) break;
    if (size === null && line.size < title.size * 0.4) break;
    const found = splitNames(t);
    if (found.length === 0) continue;
    names.push(...found);
    size = line.size;
    if (names.length >= 40) break;
  }
  return [...new Set(names.map(tidyName).filter((n) => n.length > 0))];
}

function splitJapaneseNames(line: string): string[] {
  const parts = splitNames(line.replace(/[(（][^)）]*[)）]/g, " "), 12);
  return parts.flatMap((p) => {
    const tokens = p.split(/\s+/);
    // "中村 彰宏 亀田 雅之": family and given names, pairwise.
    if (
      tokens.length >= 4 &&
      tokens.length % 2 === 0 &&
      tokens.every((x) => Array.from(x).every(isJapaneseChar))
    ) {
      const pairs: string[] = [];
      for (let i = 0; i < tokens.length; i += 2) pairs.push(`${tokens[i]!} ${tokens[i + 1]!}`);
      return pairs;
    }
    return [p];
  });
}

function splitNames(line: string, maxWords = 5): string[] {
  return line
    .replace(/\S+@\S+/g, ",")
    .replace(MARKERS, ",")
    .split(/\s*(?:,|，|、|・|;|&|\band\b|\s{2,})\s*/u)
    .map((s) => s.trim())
    .filter((s) => {
      const letters = letterCount(s);
      const cjk = Array.from(s).filter(isJapaneseChar).length;
      const words = s.split(/\s+/).length;
      return (cjk >= 2 || letters >= 3) && words <= maxWords && !/^(and|by)$/i.test(s);
    });
}

function tidyName(name: string): string {
  const words = name
    .replace(/^[^\p{L}]+|[^\p{L}.')]+$/gu, "")
    .split(/\s+/)
    .filter(Boolean);
  // "DOUGLAS", "TAL AUGUST": set in capitals, shown in title case.
  return words
    .map((w) =>
      w.length > 1 && /^\p{Lu}[\p{Lu}'-]+$/u.test(w) ? `${w.slice(0, 1)}${w.slice(1).toLowerCase()}` : w,
    )
    .join(" ");
}

function findAbstract(pages: PageLayout[]): string | null {
  for (const page of pages) {
    const lines = page.lines;
    const idx = lines.findIndex((l) => ABSTRACT_HEADING.test(l.text.trim()));
    if (idx < 0) continue;
    const head = lines[idx]!;
    const parts: string[] = [head.text.trim().replace(ABSTRACT_HEADING, "")];
    let bodySize: number | null = parts[0] ? head.size : null;
    for (const line of lines.slice(idx + 1)) {
      const t = line.text.trim();
      if (AFTER_ABSTRACT.test(t)) break;
      if (bodySize !== null && line.paragraphStart && line.size > bodySize + 0.8) break;
      bodySize ??= line.size;
      parts.push(t);
      if (parts.join(" ").length > 2000) break;
    }
    const text = joinLines(parts.filter(Boolean));
    if (text.length >= 40) return text.length > 2000 ? cutAtSentence(text, 2000) : text;
  }
  return null;
}

function cutAtSentence(text: string, max: number): string {
  const cut = text.slice(0, max);
  const end = Math.max(cut.lastIndexOf(". "), cut.lastIndexOf("。"));
  return end > max / 2 ? cut.slice(0, end + 1) : cut;
}

function findYear(
  page: PageLayout | undefined,
  doi: string | null,
  creationYear: number | null,
): number | null {
  const max = new Date().getUTCFullYear() + 1;
  const plausible = (y: number) => y >= 1950 && y <= max;
  if (page) {
    const lines = page.lines;
    // Venue, copyright and publication lines carry the year of the work; body text may cite others.
    const venue = /(©|copyright|published|proceedings|conference|journal|accepted|received|volume|vol\.)/i;
    const scored: { year: number; score: number }[] = [];
    lines.forEach((line, i) => {
      for (const m of line.text.matchAll(/(?<!\d)((?:19|20)\d{2})(?!\d)/g)) {
        const y = Number(m[1]);
        if (!plausible(y)) continue;
        let score = venue.test(line.text) ? 3 : 0;
        if (i < 10) score += 1;
        if (score === 0) continue;
        if (/(©|copyright|published|proceedings)/i.test(line.text)) score += 2;
        scored.push({ year: y, score });
      }
    });
    const arxiv = /arXiv:(\d{2})(\d{2})\.\d{4,5}/i.exec(page.text);
    if (arxiv) scored.push({ year: 2000 + Number(arxiv[1]), score: 4 });
    if (scored.length) {
      const best = scored.reduce((a, b) =>
        b.score > a.score || (b.score === a.score && b.year > a.year) ? b : a,
      );
      return best.year;
    }
  }
  const fromDoi = doi ? /(?<!\d)((?:19|20)\d{2})(?!\d)/.exec(doi) : null;
  if (fromDoi && plausible(Number(fromDoi[1]))) return Number(fromDoi[1]);
  return creationYear !== null && plausible(creationYear) ? creationYear : null;
}
