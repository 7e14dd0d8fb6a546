import type { DocumentSection } from "@academic-assist/sdk/contract";
import { heaviest } from "./page-layout.ts";
import { collapseWhitespace } from "./text-normalize.ts";
import type { LayoutLine, PageLayout } from "./types.ts";

const NAMED_SECTION =
  /^(abstract|introduction|background|related work|previous work|methods?|materials and methods|methodology|approach|experiments?|experimental setup|evaluation|results|results and discussion|discussion|conclusions?|conclusions? and future work|future work|limitations|references|bibliography|acknowledge?ments?|appendix|supplementary material|概要|要旨|はじめに|序論|導入|関連研究|手法|提案手法|実験|評価|結果|考察|結論|まとめ|おわりに|参考文献|謝辞|付録)(?![\p{L}\p{N}])/iu;
// "2.1 Methods", "3. Results", "1.はじめに"; not "3Available at" (a footnote) nor "1行目では" (a sentence).
const NUMBERED = /^((?:\d{1,2})(?:\.\d{1,2}){0,3})(?:\.\s*|\s+)(\S.*)$/u;
// "C Additional Survey Statistics": an appendix, after the references.
const APPENDIX = /^([A-H])\s+(\p{Lu}[^\s]*(?:\s+\S+){0,10})$/u;
// "B.1 Annotation Guidelines": a subsection of appendix B.
const APPENDIX_SUB = /^([A-H])\.(\d{1,2})(?:\.\s*|\s+)(\p{Lu}[^\s]*(?:\s+\S+){0,11})$/u;
// "第3章" (a thesis chapter), its title on the same line or the next.
const CHAPTER = /^第\s*(\d{1,2})\s*章\s*(.*)$/u;
const SMALL_WORDS = new Set([
  "a",
  "an",
  "and",
  "as",
  "at",
  "by",
  "for",
  "from",
  "in",
  "of",
  "on",
  "or",
  "the",
  "to",
  "with",
  "via",
  "vs",
]);

/** Options of {@link headingLevel}. */
export interface HeadingOptions {
  /** Whether a short Title-Case line without number or known name may be a heading (default true). */
  allowTitleCase?: boolean;
  /**
   * The line is set larger than the body text: a numbered line may then contain commas
   * ("3.1 Xiを等確率で選び,その中から…"), which in body-size text marks a numbered sentence.
   */
  emphasised?: boolean;
}

/**
 * Classifies a line as a section heading: numbered ("2.1 Methods", "1.はじめに"), a well-known
 * section name ("References"), or a short Title-Case line. Returns its level (1 = top) or null.
 * The one classifier used by chunking, note generation and the section tree.
 */
export function headingLevel(line: string, opts: HeadingOptions = {}): number | null {
  return classifyHeading(line, opts)?.level ?? null;
}

interface HeadingParts {
  level: number;
  number: string | null;
  title: string;
  named: boolean;
}

function classifyHeading(line: string, opts: HeadingOptions): HeadingParts | null {
  // Spaces are kept next to CJK here: "2.1 一系列モデル" needs the one after its number.
  const t = line.replace(/\s+/g, " ").trim();
  if (t.length < 3 || t.length > 90 || /[.:;,]$/.test(t)) return null;
  const words = t.split(/\s+/);
  const numbered = NUMBERED.exec(t);
  if (numbered) {
    const [, num, rest] = numbered as unknown as [string, string, string];
    // "2 Methods", not "2014 was a year" nor "3 x 4".
    // Large type may start with a digit: "3.3.2 1つ前の点を参照する場合".
    const start = opts.emphasised ? /^(?:[\p{Lu}\p{Lo}]|\d+\p{Lo})/u : /^[\p{Lu}\p{Lo}]/u;
    if (Number(num.split(".")[0]) > 30 || !start.test(rest) || words.length > 12) return null;
    if (/\d\s*[=<>+×]/.test(rest) || /\d$/.test(rest)) return null;
    if (!opts.emphasised && /[。．，,、]/.test(rest)) return null;
    return { level: num.split(".").length, number: num, title: collapseWhitespace(rest), named: false };
  }
  // "Results", "参考文献"; not "method (Nenkova, 2004), along" nor a table row "Bibliography entries 27.6".
  if (NAMED_SECTION.test(t) && words.length <= 6 && /^[\p{Lu}\p{Lo}]/u.test(t) && !/\d/.test(t))
    return { level: 1, number: null, title: t, named: true };
  if (opts.allowTitleCase === false || words.length > 6 || !/^\p{Lu}/u.test(t) || /\d/.test(t)) return null;
  const content = words.filter((w) => !SMALL_WORDS.has(w.toLowerCase()));
  const capitalised = content.filter((w) => /^\p{Lu}/u.test(w)).length;
  return content.length >= 2 && capitalised === content.length
    ? { level: 1, number: null, title: t, named: false }
    : null;
}

/** A heading found on a page, before nesting. */
interface FlatHeading {
  title: string;
  number: string | null;
  level: number;
  page: number;
}

/**
 * The document's section headings as a tree, in reading order: numbered headings ("3.2
 * Generation", "1.はじめに", "第3章"), well-known unnumbered ones ("Abstract", "References") and,
 * in papers without numbers, lines set larger than the body text. Numbers must run forward, so
 * numbered list items, table rows and footnotes are not taken for headings.
 */
export function extractSections(pages: readonly PageLayout[]): DocumentSection[] {
  return nestSections(findHeadings(pages));
}

function findHeadings(pages: readonly PageLayout[]): FlatHeading[] {
  const body = bodySize(pages);
  const furniture = runningLines(pages);
  const found: FlatHeading[] = [];
  // Sizes of the unnumbered headings found by name: a larger-type line of one of these sizes
  // (or between the body and them) is a heading of a paper without numbers.
  const namedSizes: number[] = [];
  let numberedSeen = false;
  let backMatter = false;
  let lastAppendix = 0;
  let lastAppendixSub = 0;
  let last: number[] = [];
  const headingKeys = new Set<string>();
  // Headings of one level share a size: a smaller "3. History of LSTM" in a figure is not section 3.
  const levelSize = new Map<number, number>();
  pages.forEach((page, pi) => {
    const lines = page.lines;
    // The index of the last line of the latest heading found on this page.
    let headingLine = -2;
    const push = (heading: FlatHeading, lastLine: number) => {
      found.push(heading);
      headingLine = lastLine;
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const text = line.text.replace(/\s+/g, " ").trim();
      const emphasised = line.size >= body + 0.8;
      const key = furnitureKey(text);
      // A heading repeated as the running head of its pages counts once, where it is set large.
      if (furniture.has(key) && (!emphasised || headingKeys.has(key))) continue;
      headingKeys.add(key);
      const prev = lines[i - 1];
      // A heading starts a block: after a blank line or a wider gap, at the top of a column, set
      // larger, or right under another heading ("2 BACKGROUND" / "2.1 Healthcare consumers…").
      const afterHeading = headingLine === i - 1;
      const starts =
        line.paragraphStart ||
        emphasised ||
        afterHeading ||
        !prev ||
        line.top < prev.top - 1 ||
        line.top - prev.top > 1.7 * line.size;
      if (!starts || line.size < body - 0.6) {
        // References headings are sometimes set in the small type of the list they open.
        if (!(line.paragraphStart && /^(references|bibliography|参考文献)$/i.test(text))) continue;
      }
      const chapter = CHAPTER.exec(text);
      if (chapter && emphasised) {
        let title = chapter[2]!.trim();
        const next = lines[i + 1];
        if (!title && next && next.size >= body + 0.8) {
          title = collapseWhitespace(next.text);
          i++;
        }
        last = [Number(chapter[1])];
        numberedSeen = true;
        push({ title, number: chapter[1]!, level: 1, page: pi + 1 }, i);
        continue;
      }
      const parts = classifyHeading(text, { allowTitleCase: false, emphasised });
      if (parts?.number) {
        const num = parts.number.split(".").map(Number);
        const size = levelSize.get(num.length);
        if (!numberRunsOn(last, num) || (size !== undefined && line.size < size - 1)) continue;
        levelSize.set(num.length, Math.max(size ?? 0, line.size));
        last = num;
        numberedSeen = true;
        push(
          {
            title: withContinuation(parts.title, lines.slice(i, i + 3), body, () => i++),
            number: parts.number,
            level: num.length,
            page: pi + 1,
          },
          i,
        );
        continue;
      }
      if (parts?.named) {
        namedSizes.push(line.size);
        push({ title: parts.title, number: null, level: 1, page: pi + 1 }, i);
        if (/^(references|bibliography|appendi|参考文献|付録)/i.test(parts.title)) backMatter = true;
        continue;
      }
      // "B.1 …" under appendix B: subsections numbered on from 1, set like numbered subsections.
      const sub = lastAppendix > 0 ? APPENDIX_SUB.exec(text) : null;
      if (sub) {
        const [, letter, n, title] = sub as unknown as [string, string, string, string];
        const size = levelSize.get(2) ?? levelSize.get(1) ?? body;
        if (
          letter.charCodeAt(0) === lastAppendix &&
          Number(n) > lastAppendixSub &&
          Number(n) <= lastAppendixSub + 2 &&
          line.size >= size - 0.3 &&
          !/[.:;,]$/.test(title)
        ) {
          lastAppendixSub = Number(n);
          push(
            {
              title: withContinuation(title, lines.slice(i, i + 3), body, () => i++),
              number: `${letter}.${n}`,
              level: 2,
              page: pi + 1,
            },
            i,
          );
          continue;
        }
      }
      // Appendices after the references: "B ITERATIVE DESIGN", "C Additional Survey Statistics",
      // set like the numbered sections (reference entries are not), letters running forward.
      const appendix = backMatter && numberedSeen ? APPENDIX.exec(text) : null;
      if (appendix) {
        const [, letter, title] = appendix as unknown as [string, string, string];
        const size = levelSize.get(1) ?? Infinity;
        const code = letter.charCodeAt(0);
        const set = line.size >= size - 0.3 && (emphasised || title === title.toUpperCase());
        if (set && code > lastAppendix && code <= Math.max(lastAppendix, 64) + 3 && !/[.:;,]$/.test(title)) {
          lastAppendix = code;
          lastAppendixSub = 0;
          push(
            {
              title: withContinuation(title, lines.slice(i, i + 3), body, () => i++),
              number: letter,
              level: 1,
              page: pi + 1,
            },
            i,
          );
          continue;
        }
      }
      // Unnumbered, unnamed: only in papers without numbers, after the first real heading, and
      // only lines set larger than the body that read like a heading, not a sentence.
      if (numberedSeen || namedSizes.length === 0 || !emphasised || !line.paragraphStart) continue;
      if (!/^\p{Lu}/u.test(text) || /[.:;,]$/.test(text) || text.split(/\s+/).length > 10) continue;
      const next = lines[i + 1];
      if (next && !next.paragraphStart && Math.abs(next.size - line.size) < 0.3) continue;
      const top = Math.max(...namedSizes);
      if (line.size > top + 0.3) continue;
      push({ title: text, number: null, level: line.size >= top - 0.3 ? 1 : 2, page: pi + 1 }, i);
    }
  });
  return found;
}

/**
 * "3" after "2", "3.1" after "3" or "2.4", "4" after "3.2"; a missed heading may be skipped,
 * but numbers never run backwards (a list "1. … 2. …" inside section 3 is no heading).
 */
function numberRunsOn(last: number[], num: number[]): boolean {
  if (last.length === 0) return num.length === 1 ? num[0]! <= 2 : num[0]! <= 2 && num.at(-1) === 1;
  for (let k = 0; k < num.length; k++) {
    const a = num[k]!;
    const b = last[k];
    // One level deeper: its first subsection (or the second, when the first was missed).
    if (b === undefined) return a <= 2 && k === num.length - 1;
    if (a === b) continue;
    // The first differing part moves forward by a little; deeper parts restart at 1.
    return a > b && a <= b + 2 && num.slice(k + 1).every((x) => x === 1);
  }
  return false;
}

/** A heading set large that wraps onto a second line of the same size ("3 The LONGEVAL guidelines for"). */
function withContinuation(
  title: string,
  [line, next, after]: LayoutLine[],
  body: number,
  consume: () => void,
): string {
  if (
    !line ||
    !next ||
    next.paragraphStart ||
    line.size < body + 0.8 ||
    Math.abs(next.size - line.size) > 0.3
  )
    return title;
  // A wrapped heading fills its first line; the line after it starts the body (a new paragraph
  // or another size).
  if (line.x1 - line.x0 < next.x1 - next.x0) return title;
  if (after && !after.paragraphStart && Math.abs(after.size - line.size) <= 0.3) return title;
  const t = collapseWhitespace(next.text);
  if (
    t.length > 60 ||
    next.top <= line.top ||
    next.top - line.top > 2.5 * line.size ||
    classifyHeading(t, { allowTitleCase: false }) !== null
  )
    return title;
  consume();
  return collapseWhitespace(`${title} ${t}`);
}

function nestSections(flat: FlatHeading[]): DocumentSection[] {
  const roots: DocumentSection[] = [];
  const stack: DocumentSection[] = [];
  for (const h of flat) {
    const node: DocumentSection = { ...h, children: [] };
    while (stack.length > 0 && stack.at(-1)!.level >= h.level) stack.pop();
    (stack.at(-1)?.children ?? roots).push(node);
    stack.push(node);
  }
  return roots;
}

/** The font size of most of the text, from the first half of the document (before long reference lists). */
export function bodySize(pages: readonly PageLayout[]): number {
  const chars = new Map<number, number>();
  for (const page of pages.slice(0, Math.max(1, Math.ceil(pages.length / 2)))) {
    for (const line of page.lines) {
      const size = Math.round(line.size * 2) / 2;
      chars.set(size, (chars.get(size) ?? 0) + line.text.length);
    }
  }
  return heaviest(chars);
}

// Page numbers at either end ("6 Rehabilitation Research and Practice", "… 2 / 21") vary; the rest repeats.
const furnitureKey = (text: string) => text.replace(/^\d+\s*|\s*\d+(?:\s*\/\s*\d+)?$/g, "#").toLowerCase();

/** Running heads and feet: the same line (numbers aside) on three pages or more. */
function runningLines(pages: readonly PageLayout[]): Set<string> {
  const seen = new Map<string, number>();
  for (const page of pages) {
    for (const key of new Set(page.lines.map((l) => furnitureKey(collapseWhitespace(l.text)))))
      seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return new Set([...seen].filter(([, n]) => n >= 3 && pages.length >= 3).map(([k]) => k));
}
