import type { SearchHit } from "@academic-assist/sdk";

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

/**
 * Ask Library without a streaming answer endpoint yet (issue #5): the question and the passages that
 * best match it, each with its page citation (a link when the PDF is in the workspace).
 */
export function passagesMarkdown(
  question: string,
  hits: readonly SearchHit[],
  linkFor: (hit: SearchHit) => string | null,
): string {
  const lines = [`# ${question.replace(/\s+/g, " ").trim()}`, ""];
  lines.push(
    "> Streamed answers arrive with the server's ask endpoint (issue #5). Until then, these are the passages of your library that best match the question.",
    "",
  );
  if (hits.length === 0) {
    lines.push("No passage in your library matches this question. Try other words, or process more PDFs.");
    return lines.join("\n") + "\n";
  }
  for (const [i, hit] of hits.entries()) {
    const title = hit.documentTitle?.trim() || hit.filename;
    const link = linkFor(hit);
    const cite = link ? `[p. ${hit.pageStart}](${link}#page=${hit.pageStart})` : `[p. ${hit.pageStart}]`;
    lines.push(`## ${i + 1}. ${escapeMd(title)}${hit.section ? ` — ${escapeMd(hit.section)}` : ""}`, "");
    lines.push(`${escapeMd(hit.snippet.replace(/\s+/g, " ").trim())} ${cite}`, "");
  }
  return lines.join("\n");
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_[\]<>#|]/g, (c) => `\\${c}`);
}
