import type { AskCitation, AskResult, SearchHit } from "@academic-assist/sdk";
import { linkCitations } from "../notes/citations.ts";

/** `p. 5` or `pp. 5–6`. */
export function pageLabel(hit: Pick<SearchHit, "pageStart" | "pageEnd">): string {
  return hit.pageEnd > hit.pageStart ? `pp. ${hit.pageStart}–${hit.pageEnd}` : `p. ${hit.pageStart}`;
}

/** The snippet on one line with its matches marked «like this» (quick pick details are plain text). */
export function highlightSnippet(hit: Pick<SearchHit, "snippet" | "highlights">, max = 240): string {
  const ranges = [...hit.highlights].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const { start, end } of ranges) {
    if (start < at || end <= start || end > hit.snippet.length) continue;
    out += hit.snippet.slice(at, start) + "«" + hit.snippet.slice(start, end) + "»";
    at = end;
  }
  out += hit.snippet.slice(at);
  out = out.replace(/\s+/g, " ").trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

export interface SearchItem {
  label: string;
  description: string;
  detail: string;
  hit: SearchHit;
}

/** Quick pick rows for search hits: title, page, snippet with highlights. */
export function searchItems(hits: readonly SearchHit[]): SearchItem[] {
  return hits.map((hit) => ({
    label: `$(file-pdf) ${hit.documentTitle?.trim() || hit.filename}`,
    description: [pageLabel(hit), hit.section].filter(Boolean).join(" · "),
    detail: highlightSnippet(hit),
    hit,
  }));
}

/** What Ask Library needs to know about a cited document: a title, and a link to its PDF if local. */
export interface AnswerSource {
  title: string;
  /** An already-encoded relative path to the PDF, or null when it is not in the workspace. */
  link: string | null;
}

/** The top of the Ask Library document, shown while the answer streams in under it. */
export function questionHeading(question: string): string {
  return `# ${escapeMd(question.replace(/\s+/g, " ").trim())}\n\n`;
}

/**
 * The finished Ask Library document: the answer, whose `[p. N]` citations link to the PDF page
 * when the PDF is local, then the retrieved passages as "Sources". An abstention says so.
 */
export function answerMarkdown(
  question: string,
  result: AskResult,
  sourceFor: (documentId: string) => AnswerSource,
): string {
  const lines = [questionHeading(question).trimEnd(), ""];
  if (result.abstained) {
    lines.push(`> **Not answered from your library.** ${result.answer.replace(/\s+/g, " ").trim()}`, "");
  } else {
    const pick = citationPicker(result.citations);
    const answer = result.answer.replace(CITATION, (m, page: string) => {
      const documentId = pick(Number(page));
      const link = documentId ? sourceFor(documentId).link : null;
      return link ? linkCitations(m, link) : m;
    });
    lines.push(answer.trim(), "");
  }
  if (result.passages.length > 0) {
    lines.push(result.abstained ? "## Closest passages" : "## Sources", "");
    for (const [i, p] of result.passages.entries()) {
      const { title, link } = sourceFor(p.documentId);
      const pages = pageLabel(p);
      const cite = link ? `[${pages}](${link}#page=${p.pageStart})` : pages;
      const text = p.text.replace(/\s+/g, " ").trim();
      const excerpt = text.length > 300 ? `${text.slice(0, 299)}…` : text;
      const section = p.section ? ` — ${escapeMd(p.section)}` : "";
      lines.push(`${i + 1}. **${escapeMd(title)}**${section}, ${cite}: ${escapeMd(excerpt)}`);
    }
    lines.push("");
  }
  lines.push(`_Answered by ${escapeMd(result.provider)} (${escapeMd(result.model)})._`, "");
  return lines.join("\n");
}

/**
 * Which document the n-th `[p. N]` of the answer cites: the next unused citation for that page
 * (the answer cites in order), else any citation for that page.
 */
function citationPicker(citations: readonly AskCitation[]): (page: number) => string | undefined {
  const used = new Set<number>();
  return (page) => {
    const i = citations.findIndex((c, j) => c.page === page && !used.has(j));
    if (i >= 0) {
      used.add(i);
      return citations[i]!.documentId;
    }
    return citations.find((c) => c.page === page)?.documentId;
  };
}

// The same citations `linkCitations` links: `[p. N]` not already a link, not escaped.
const CITATION = /(?<!\\)\[p\. (\d{1,5})(, unverified)?\](?!\()/g;

function escapeMd(text: string): string {
  return text.replace(/[\\`*_[\]<>#|]/g, (c) => `\\${c}`);
}
