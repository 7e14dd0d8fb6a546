import { bodySize, headingLevel } from "./sections.ts";
import { collapseWhitespace } from "./text-normalize.ts";
import type { PageLayout } from "./types.ts";

// "Keywords:", "Key words", "Index Terms—", "Additional Key Words and Phrases:", "キーワード：".
const KEYWORDS_LABEL =
  /^(?:additional\s+)?(?:key\s*words?(?:\s+and\s+phrases)?|index\s+terms|キーワード|索引語)(?:\s*[:：—–.-]\s*|\s+|$)/iu;
// Labels that end a keyword block printed in the same type.
const OTHER_LABEL =
  /^(?:subjects?|ccs concepts|acm reference format|abstract|introduction|received|accepted|published|doi|correspondence|citation|概要|要旨|はじめに)\b/iu;

/**
 * The keywords printed on the first pages ("Keywords: a, b; c"), in order, split on , ; · • 、
 * and joined across line breaks. Empty when the document prints none.
 */
export function findKeywords(pages: readonly PageLayout[]): string[] {
  for (const page of pages.slice(0, 2)) {
    const lines = page.lines;
    const idx = lines.findIndex((l) => KEYWORDS_LABEL.test(l.text.trim()));
    if (idx < 0) continue;
    const head = lines[idx]!;
    const parts = [head.text.trim().replace(KEYWORDS_LABEL, "")];
    for (const line of lines.slice(idx + 1, idx + 8)) {
      const t = line.text.trim();
      const startsBlock = line.paragraphStart && parts.join("").trim() !== "";
      if (startsBlock || Math.abs(line.size - head.size) > 0.6 || line.top < head.top) break;
      if (OTHER_LABEL.test(t) || headingLevel(t, { allowTitleCase: false }) !== null) break;
      parts.push(t);
    }
    // "Large-scale comparative / genomics": a line break inside a keyword is a space; one after a
    // hyphen ("multi- / lingual") is nothing.
    const text = parts.reduce((acc, p) => (/\p{L}-$/u.test(acc) ? acc.slice(0, -1) + p : `${acc} ${p}`), "");
    return [
      ...new Set(
        text
          .split(/\s*[,;·•、，；|]\s*/u)
          .map((k) => collapseWhitespace(k).replace(/[.。]$/u, ""))
          .filter((k) => k.length > 1 && k.length <= 80),
      ),
    ];
  }
  return [];
}

// New style "2203.00130v1" (since 2007), old style "hep-th/9901001", both with an optional version.
const ARXIV_ID = String.raw`(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?\/\d{7}(?:v\d+)?)`;
// The side stamp: "arXiv:2203.00130v1 [cs.HC] 28 Feb 2022".
const ARXIV_STAMP = new RegExp(String.raw`\barXiv:\s*${ARXIV_ID}\s*\[([\w.-]+)\]`, "i");
const ARXIV_ANY = new RegExp(String.raw`\barXiv:\s*${ARXIV_ID}(?![\d/])`, "i");

/**
 * The document's own arXiv identifier: from the side stamp, which is printed rotated in the margin
 * (`marginText`), or from a stamp-shaped line on page 1. Identifiers cited in running text are not
 * taken. Null when none.
 */
export function findArxivId(pages: readonly PageLayout[], marginText = ""): string | null {
  return arxivStamp(pages, marginText)?.id ?? null;
}

function arxivStamp(
  pages: readonly PageLayout[],
  marginText: string,
): { id: string; category: string | null } | null {
  const margin = ARXIV_STAMP.exec(marginText) ?? ARXIV_ANY.exec(marginText);
  if (margin) return { id: margin[1]!, category: margin[2] ?? null };
  const page = ARXIV_STAMP.exec(pages[0]?.text ?? "");
  return page ? { id: page[1]!, category: page[2] ?? null } : null;
}

// A journal's name: capitalised words, abbreviations and the small words between them.
// A word ending in a full stop is an abbreviation ("Comput.", "Sci.") only when short: "… Selective
// Pressure Analyses. PeerJ Comput. Sci. 3:e118" is the end of a title, then the journal.
const WORD = String.raw`[A-Z](?:[\w&'’-]{0,5}\.|[\w&'’-]*(?![\w.]))`;
const NAME = String.raw`(${WORD}(?:\s+(?:${WORD}|of|and|&|in|for|the|on)){0,9})`;
const JOURNAL_PATTERNS = [
  // "PLoS ONE 13(6): e0197919"
  new RegExp(String.raw`${NAME}\s+\d{1,4}\s*\(\d{1,3}\):\s*e?\d+`),
  // "Clinical Science (2014) 126, 305–313", "International Psychogeriatrics (2014), 26:1, 147–154"
  new RegExp(String.raw`${NAME}\s+\((?:19|20)\d{2}\),?\s+\d+(?::\d+)?,\s*\d+\s*[–-]\s*\d+`),
  // "BMC Health Services Research 2014, 14:1"
  new RegExp(String.raw`${NAME}\s+(?:19|20)\d{2},\s*\d+:\d+`),
  // "PeerJ Comput. Sci. 3:e118"
  new RegExp(String.raw`${NAME}\s+\d+:e\d+`),
];
const PROCEEDINGS = /\b(Proceedings of (?:the )?.+?)(?:,?\s+pages\b|,\s*pp\.|,\s*(?:19|20)\d{2}\b|$)/i;
const CEUR = /\(Eds?\.\)\s*:\s*(.+?),?\s*published at\s+https?:\/\/ceur-ws\.org\/(Vol-\d+)/i;
const JAPANESE_VENUE = /(?:^|\s)([^\s]*学会[^\s]*(?:大会|論文集|研究会)[^\s]*)/u;

/**
 * Where the work was published, as printed on its first page: an ACL-style "Proceedings of …"
 * footer, a CEUR-WS volume line, a journal citation line ("PLoS ONE 13(6): e0197919", "Clinical
 * Science (2014) 126, 305–313", "BMC Health Services Research 2014, 14:1"), a Hindawi header, a
 * Japanese society's meeting, or the arXiv stamp's category. Null when none is printed.
 */
export function findVenue(pages: readonly PageLayout[], marginText = ""): string | null {
  const first = pages[0];
  if (!first) return null;
  const text = collapseWhitespace(first.text);
  const ceur = CEUR.exec(text);
  if (ceur) return `${ceur[1]!.trim()} (CEUR-WS ${ceur[2]!})`;
  // The footer of ACL Anthology papers; a reference list rarely starts on page 1, and a
  // "Proceedings of" line there would be set in the body size.
  const body = bodySize([first]);
  for (const [i, line] of first.lines.entries()) {
    if (!/^Proceedings of /i.test(line.text.trim()) || line.size >= body) continue;
    const joined = collapseWhitespace(`${line.text} ${first.lines[i + 1]?.text ?? ""}`);
    const m = PROCEEDINGS.exec(joined);
    if (m) return m[1]!.replace(/[,.;\s]+$/, "");
  }
  for (const re of JOURNAL_PATTERNS) {
    const m = re.exec(text);
    if (m) return m[0].replace(/\s+/g, " ").trim();
  }
  // Hindawi: "Rehabilitation Research and Practice / Volume 2010, Article ID 157939, 6 pages".
  const volume = first.lines.findIndex((l) => /^Volume \d+, Article ID/i.test(l.text.trim()));
  if (volume > 0) return collapseWhitespace(first.lines[volume - 1]!.text);
  for (const line of first.lines) {
    const m = JAPANESE_VENUE.exec(line.text);
    if (m && m[1]!.length <= 40) return m[1]!;
  }
  const stamp = arxivStamp(pages, marginText);
  return stamp?.category ? `arXiv [${stamp.category}]` : null;
}
