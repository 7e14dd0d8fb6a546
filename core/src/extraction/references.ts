import type { Reference } from "@academic-assist/sdk/contract";
import { findDoi } from "./doi.ts";
import { collapseWhitespace } from "./text-normalize.ts";
import type { LayoutLine, PageLayout } from "./types.ts";

/** The heading word(s) of a reference list, in the languages of the corpus. */
const HEADING_WORD = String.raw`(?:references(?:\s+cited)?|bibliography|literature\s+cited|works\s+cited|参考文献|引用文献)`;
// "References", "7. References", "VII. REFERENCES", "参考文献".
const HEADING = new RegExp(String.raw`^(?:(?:\d+|[IVX]+)\.?\s*)?${HEADING_WORD}\s*[:.]?$`, "iu");
// A running header the heading was laid out on: "6 Rehabilitation Research and Practice References".
const GLUED_HEADING = /\s(References|REFERENCES|Bibliography|BIBLIOGRAPHY)$/u;
// Sections that follow a reference list; only a line set as a heading ends it (see isSectionEnd).
const AFTER_REFERENCES =
  /^(?:appendix|appendices|supplementary|supporting information|acknowledg|author contributions|competing interests|conflicts? of interest|funding|付録|謝辞)/iu;
// Publisher furniture after the last entry (BMC's last page), ending the list wherever it is set.
const BACK_MATTER =
  /^(?:cite this article as|publish with bio ?med ?central|submit your (?:next )?manuscript)/iu;
const APPENDIX_HEADING = /^(?:[A-Z](?:\.\d+)*\.?\s+\p{Lu}|appendix\b|appendices\b|付録)/u;

// "[Knuth 84] Knuth, D. E.: …": an alphanumeric label instead of a number.
const LABEL = /^\[\p{L}[^\]]{1,40}\]\s*/u;
const NUMBERED = [
  { style: "bracket", re: /^\[(\d{1,3})\]\s*/u },
  { style: "paren", re: /^\((\d{1,3})\)\s*/u },
  { style: "dot", re: /^(\d{1,3})\.\s+(?=\S)/u },
  // "1 Acharya, K. R.": a bare number before a capitalised name (Portland Press and others).
  { style: "bare", re: /^(\d{1,3})\s+(?=\p{Lu})/u },
] as const;

// "Baroni, M.", "Marco Baroni and", "E. Braunwald,", "Fischer R,", "IPCC.", "van der Berg, J."
const NAME_START =
  /^(?:(?:van|von|de|der|den|del|della|di|da|du|le|la)\s+)*(?:\p{Lu}[\p{L}'’-]+(?:,?\s+\p{Lu}[\p{L}.'’-]*|\.\s)|\p{Lu}\.(?:\s?\p{Lu}\.)*\s+\p{Lu}|\p{Lu}{2,}[.,\s])/u;
// The end of an entry: a period, a year ("2013a"), a page range, a URL or a DOI.
const ENTRY_END = /(?:[.?!)\]]|\b(?:19|20)\d{2}[a-z]?|\d+\s*[–-]\s*\d+|\/\S*)\s*$/u;

const SURNAME_INITIALS = String.raw`\p{Lu}[\p{L}'’-]+(?:\s\p{Lu}[\p{L}'’-]+)*\s\p{Lu}{1,3}(?:\sJr)?`;
const VANCOUVER_AUTHORS = new RegExp(
  String.raw`^((?:${SURNAME_INITIALS},\s)*${SURNAME_INITIALS}(?:,?\set\sal)?)[.:]\s`,
  "u",
);
const YEAR = /(?<![\d/.])((?:19|20)\d{2})[a-z]?(?![\d/])/gu;

/**
 * The document's reference list, split into entries and each parsed into authors, title, year,
 * venue and DOI. Empty when no reference section is found.
 */
export function extractReferences(pages: PageLayout[]): Reference[] {
  const lines = referenceLines(pages);
  if (lines.length === 0) return [];
  return splitEntries(lines)
    .map((raw) => parseReference(raw))
    .filter((r) => r.raw.length >= 15);
}

interface RefLine extends LayoutLine {
  page: number;
}

/** The lines of the reference section in reading order, without running headers and footers. */
function referenceLines(pages: PageLayout[]): RefLine[] {
  // The last heading wins: a table of contents or a sentence about "references" comes earlier.
  let at: { page: number; line: number } | null = null;
  pages.forEach((p, pi) => {
    p.lines.forEach((l, li) => {
      const t = collapseWhitespace(l.text);
      if (HEADING.test(t) || (li < 3 && GLUED_HEADING.test(t) && t.length < 90)) at = { page: pi, line: li };
    });
  });
  if (!at) return [];
  const start: { page: number; line: number } = at;
  const running = runningLines(pages);
  const out: RefLine[] = [];
  let bodySize: number | null = null;
  let footnote = 0;
  for (let pi = start.page; pi < pages.length; pi++) {
    const page = pages[pi]!;
    const body = withoutFurniture(page, running);
    for (const [li, line] of body) {
      if (pi === start.page && li <= start.line) continue;
      const t = line.text.trim();
      if (!t) continue;
      if (BACK_MATTER.test(t)) {
        // "doi:10.1186/…" above "Cite this article as" is the article's own DOI, not an entry's.
        if (/^doi:\s*10\.\S+$/iu.test(out.at(-1)?.text.trim() ?? "")) out.pop();
        return out;
      }
      if (bodySize !== null && isSectionEnd(line, t, bodySize)) return out;
      // A footnote at the foot of the column the list runs through is set smaller, or opens with
      // its mark glued to the text ("19The Kaggle …") and runs to the next paragraph.
      if (bodySize !== null && line.size < bodySize - 1.2) continue;
      if (/^\d{1,2}\p{Lu}\p{Ll}/u.test(t)) {
        footnote = 4;
        continue;
      }
      if (footnote > 0 && !line.paragraphStart && out.at(-1)?.page === pi) {
        footnote--;
        continue;
      }
      footnote = 0;
      out.push({ ...line, page: pi });
      if (out.length >= 5) bodySize ??= median(out.map((l) => l.size));
    }
  }
  return out;
}

function isSectionEnd(line: LayoutLine, t: string, bodySize: number): boolean {
  if (t.length > 80) return false;
  const bigger = line.size > bodySize + 0.5 || line.maxSize > bodySize + 1;
  if (AFTER_REFERENCES.test(t)) return bigger || line.paragraphStart;
  return bigger && APPENDIX_HEADING.test(t);
}

/**
 * The page's lines minus running headers and footers: short lines in the outer margin set apart
 * from the text by a gap, and bare page numbers.
 */
function withoutFurniture(page: PageLayout, running: Set<string>): [number, LayoutLine][] {
  const lines = page.lines.map((l, i) => [i, l] as [number, LayoutLine]).filter(([, l]) => l.text.trim());
  const isFurniture = (k: number): boolean => {
    const l = lines[k]![1];
    const t = l.text.trim();
    if (/^(?:page\s+)?\d{1,4}(?:\s*(?:\/|of)\s*\d{1,4})?$/iu.test(t)) return true;
    if ((k <= 1 || k >= lines.length - 2) && running.has(runningKey(t))) return true;
    const gap = Math.max(l.size, 6) * 1.6;
    if (k <= 1 && l.top < page.height * 0.1) {
      const next = lines[k + 1]?.[1];
      return !next || next.top - l.baseline > gap;
    }
    if (k >= lines.length - 2 && l.top > page.height * 0.9) {
      const prev = lines[k - 1]?.[1];
      return !prev || l.top - prev.baseline > gap;
    }
    return false;
  };
  return lines.filter((_, k) => !isFurniture(k));
}

/** Texts (page numbers aside) printed first or last on more than one page: running headers and footers. */
function runningLines(pages: PageLayout[]): Set<string> {
  const seen = new Map<string, number>();
  for (const p of pages) {
    const texts = p.lines.map((l) => l.text.trim()).filter(Boolean);
    for (const t of new Set([...texts.slice(0, 2), ...texts.slice(-2)])) {
      const key = runningKey(t);
      if (key.length >= 8) seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  return new Set([...seen].filter(([, n]) => n >= 2).map(([k]) => k));
}

function runningKey(t: string): string {
  return t.replace(/\d+/gu, "#").replace(/\s+/gu, " ").toLowerCase();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** Splits reference lines into entries: by their numbering when numbered, else by layout and names. */
function splitEntries(lines: RefLine[]): string[] {
  const numbered = numberedStyle(lines);
  const labelled = lines.flatMap((l, i) => (LABEL.test(l.text.trim()) ? [i] : []));
  const starts = numbered
    ? numberedStarts(lines, numbered)
    : labelled.length >= 2
      ? new Set([0, ...labelled])
      : authorYearStarts(lines);
  const entries: string[] = [];
  let cur: string[] = [];
  lines.forEach((l, i) => {
    if (starts.has(i) && cur.length) {
      entries.push(joinEntry(cur));
      cur = [];
    }
    cur.push(l.text.trim());
  });
  if (cur.length) entries.push(joinEntry(cur));
  return entries;
}

function joinEntry(parts: string[]): string {
  // A URL or DOI broken after a separator ("…/10." + "1104/pp…"), or a DOI whose line ends before
  // a digits-only tail ("0022-3956" + "(75)90026-6."), continues without a space; so does
  // "Wisconsin-" + "Madison".
  let s = "";
  for (const p of parts) {
    const last = /\S*$/u.exec(s)?.[0] ?? "";
    const glued =
      (last.includes("/") && /[/._-]$/u.test(last)) ||
      (/10\.\d{4,9}\/\S+$/u.test(last) && /^\(?\d[\d()./_-]*\)[\d./_-]*[.,;]?(?:\s|$)/u.test(p)) ||
      (/\p{L}-$/u.test(last) && /^\p{Lu}/u.test(p));
    s += !s ? p : glued ? p : ` ${p}`;
  }
  return collapseWhitespace(s);
}

type NumberedStyle = (typeof NUMBERED)[number];

/** The numbering style the list uses, when at least three lines start with 1, 2, 3 … in order. */
function numberedStyle(lines: RefLine[]): NumberedStyle | null {
  let best: { style: NumberedStyle; n: number } | null = null;
  for (const style of NUMBERED) {
    let expected = 1;
    for (const l of lines) {
      const m = style.re.exec(l.text.trim());
      if (m && Number(m[1]) === expected) expected++;
    }
    const n = expected - 1;
    if (n >= 3 && (!best || n > best.n)) best = { style, n };
  }
  return best?.style ?? null;
}

function numberedStarts(lines: RefLine[], style: NumberedStyle): Set<number> {
  const starts = new Set<number>();
  let expected = 1;
  lines.forEach((l, i) => {
    const m = style.re.exec(l.text.trim());
    if (!m) return;
    const n = Number(m[1]);
    // A skipped number (an entry lost to layout) is tolerated; a smaller one is text ("2 mM").
    if (n === expected || (n > expected && n <= expected + 2 && starts.size > 0)) {
      starts.add(i);
      expected = n + 1;
    }
  });
  return starts;
}

/**
 * Entry starts of an unnumbered (author–year) list. A hanging indent, where the layout shows one,
 * decides: an entry's first line is flush with its column, the rest are indented. Otherwise a new
 * entry starts after a blank line, or where a line opens with a name and the previous line closed
 * an entry (a period, a year, a page range).
 */
function authorYearStarts(lines: RefLine[]): Set<number> {
  const left = lines.map((l) => columnLeft(lines, l));
  const indented = lines.map((l, i) => l.x0 - left[i]! > 4);
  const hanging = indented.filter(Boolean).length >= lines.length * 0.25;
  const starts = new Set<number>([0]);
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const prev = lines[i - 1]!;
    const t = l.text.trim();
    if (hanging) {
      if (!indented[i]) starts.add(i);
      continue;
    }
    const ended = ENTRY_END.test(prev.text.trim());
    if (l.paragraphStart && NAME_START.test(t)) starts.add(i);
    else if (ended && NAME_START.test(t) && /(?:19|20)\d{2}/u.test(lookahead(lines, i))) starts.add(i);
  }
  return starts;
}

/** The leftmost start of the lines printed in the same column (and page) as `line`. */
function columnLeft(lines: RefLine[], line: RefLine): number {
  let min = line.x0;
  for (const l of lines) if (l.page === line.page && Math.abs(l.x0 - line.x0) < 30 && l.x0 < min) min = l.x0;
  return min;
}

function lookahead(lines: RefLine[], i: number): string {
  return lines
    .slice(i, i + 3)
    .map((l) => l.text)
    .join(" ");
}

/** Parses one entry's text into its parts; what cannot be told apart is left null. */
export function parseReference(raw: string): Reference {
  // Fields sit at the start of an entry; a runaway entry (a table swallowed at the end of the list)
  // is not worth the regular expressions' time.
  let text = raw
    .slice(0, 1500)
    .replace(/^(?:\[[^\]]{1,40}\]|\(\d{1,3}\)|\d{1,3}\.|\d{1,3}(?=\s+\p{Lu}))\s*/u, "")
    .trim();
  // Lines were joined with spaces; a DOI broken across them was glued back by joinEntry.
  const doi = findDoi(raw);
  if (doi)
    text = text.replace(/(?:https?:\/\/(?:dx\.)?doi\.org\/|doi:\s*)?10\.\d{4,9}\/\S+(?:\s\d\S*)?/iu, " ");

  const max = new Date().getUTCFullYear() + 1;
  const years = [...text.matchAll(YEAR)].filter((m) => Number(m[1]) <= max);
  // A year in parentheses or right after the authors ("Baroni. 2014.") is the year of the work.
  const marked = years.find(
    (m) => /[(]$/u.test(text.slice(0, m.index)) || /\.\s*$/u.test(text.slice(0, m.index)),
  );
  const yearMatch = marked ?? years.at(-1) ?? null;
  const year = yearMatch ? Number(yearMatch[1]) : null;

  // "A. Author, B. Author, “Title,” Venue, vol. 1, …" (IEEE style).
  const quoted = /^(.*?)[,.]?\s*[“"]\s*(.+?)\s*[,.]?\s*[”"]\s*[,.]?\s*(.*)$/u.exec(text);
  if (quoted) {
    return {
      raw,
      authors: splitAuthors(quoted[1]!),
      title: tidy(quoted[2]!),
      year,
      venue: venueOf(quoted[3]!),
      doi,
    };
  }

  // "Surname, I. and Surname, I.: Title, Venue (2015)" (JSAI, Springer LNCS).
  const colon = /^([^:“"]{3,300}?\p{Lu}\.?):\s+(.*)$/u.exec(text);
  if (colon && /\p{Lu}[\p{L}'’-]+,\s\p{Lu}\./u.test(colon[1]!) && looksLikeAuthors(colon[1]!)) {
    const [sentence, after] = firstSentence(colon[2]!);
    const comma = after ? -1 : (sentence ?? "").search(/,\s(?:in\s)?/iu);
    const title = comma > 0 ? tidy(sentence!.slice(0, comma)) : sentence;
    const rest = comma > 0 ? sentence!.slice(comma + 1) : after;
    return { raw, authors: splitAuthors(colon[1]!), title, year, venue: venueOf(rest), doi };
  }

  // Author–year: "Authors. 2014. Title. Venue" or "Authors (2014) Title. Venue".
  if (yearMatch && yearMatch.index < text.length * 0.6) {
    const before = text.slice(0, yearMatch.index).replace(/[\s(.,]+$/u, "");
    const after = text.slice(yearMatch.index + yearMatch[0].length).replace(/^[\s).,:;]+/u, "");
    if (before && looksLikeAuthors(before)) {
      const [title, rest] = firstSentence(after);
      return { raw, authors: splitAuthors(before), title, year, venue: venueOf(rest), doi };
    }
  }

  // Vancouver: "Obata T, Witt S, Fernie A. Title. Venue. 2015; 5: 143–147."
  const vancouver = VANCOUVER_AUTHORS.exec(text);
  if (vancouver) {
    const [title, rest] = firstSentence(text.slice(vancouver[0].length));
    return { raw, authors: splitAuthors(vancouver[1]!), title, year, venue: venueOf(rest), doi };
  }
  const [authorsPart, afterAuthors] = firstSentence(text, true);
  if (authorsPart && looksLikeAuthors(authorsPart)) {
    const [title, rest] = firstSentence(afterAuthors);
    return { raw, authors: splitAuthors(authorsPart), title, year, venue: venueOf(rest), doi };
  }
  const [title, rest] = firstSentence(text);
  return { raw, authors: [], title, year, venue: venueOf(rest), doi };
}

/**
 * The text up to the first sentence end, and the rest. With `names`, a period after an initial
 * ("J.", "Fischer R,") does not end it.
 */
function firstSentence(text: string, names = false): [string | null, string] {
  const re = names
    ? /(?<!\b\p{Lu})(?<!\b\p{Lu}\p{Ll})\.\s+(?=\S)/gu
    : /(?<!\b\p{Lu})(?<!\b(?:vs|al|e\.g|i\.e|cf|etc|[Pp]roc|[Vv]ol|[Nn]o|pp|[Ee]ds?|[Ii]ntl?|[Jj])|\d\.\d)[.?!]\s+(?=\S)/gu;
  const m = re.exec(text);
  if (!m) return [text.trim() ? tidy(text) : null, ""];
  const head = tidy(text.slice(0, m.index + (m[0].startsWith("?") || m[0].startsWith("!") ? 1 : 0)));
  return [head || null, text.slice(m.index + m[0].length)];
}

function looksLikeAuthors(s: string): boolean {
  if (s.length > 400 || /[“”"]/u.test(s)) return false;
  const words = s.split(/\s+/u);
  const capitalised = words.filter((w) =>
    /^(?:\p{Lu}|and$|&$|et$|al\.?$|van$|von$|de$|der$)/u.test(w),
  ).length;
  return capitalised / words.length >= 0.75;
}

function splitAuthors(s: string): string[] {
  const cleaned = s
    .replace(/\bet\s+al\b\.?/giu, "")
    .replace(/[,.\s]+$/u, "")
    .trim();
  if (!cleaned) return [];
  // "Baroni, M., Dinu, G. and …": surname, initials pairs.
  const pairs = /^\p{Lu}\.\s?/u.test(cleaned)
    ? []
    : [
        ...cleaned.matchAll(
          /(\p{Lu}[\p{L}'’-]+(?:\s\p{Lu}[\p{L}'’-]+)*),\s((?:\p{Lu}\.\s?-?)*\p{Lu}\.?)(?=\s*(?:,|\band\b|&|$))/gu,
        ),
      ];
  if (
    pairs.length >= 1 &&
    pairs.map((m) => m[0]).join("").length > cleaned.replace(/,|\band\b|&|\s/gu, "").length * 0.5
  ) {
    return pairs.map((m) => `${m[2]!.trim().replace(/(\p{Lu})$/u, "$1.")} ${m[1]!}`);
  }
  return cleaned
    .split(/\s*(?:,|;|\band\b|&)\s*/u)
    .map((x) => x.trim())
    .filter((x) => /\p{L}{2,}/u.test(x) && x.split(/\s+/u).length <= 6);
}

function venueOf(rest: string): string | null {
  let s = rest.replace(/^\s*in:?\s+/iu, "").trim();
  // The venue ends where volume, pages, place or year begin.
  s = s.split(
    /,?\s*(?:\bvol\.|\bvolume\b|\bno\.|\bpp\.|\bpages?\b|\(\d|,\s*\d|\d+\s*\(|\d+\s*:|;\s*\d|\b(?:19|20)\d{2}[a-z]?\b(?!\s+\p{L})|https?:)/u,
  )[0]!;
  const v = tidy(s);
  return v && /\p{L}{2,}/u.test(v) ? v : null;
}

function tidy(s: string): string {
  return collapseWhitespace(s)
    .replace(/^[\s,.;:]+|[\s,;:]+$/gu, "")
    .replace(/\.$/u, "");
}
