import type { Caption } from "@academic-assist/sdk/contract";
import { bodySize } from "./sections.ts";
import { collapseWhitespace } from "./text-normalize.ts";
import type { LayoutLine, PageLayout } from "./types.ts";

// "Figure 1:", "Fig. 2.", "Table S3", "TABLE IV", "図1", "表2.1"; not "Figures 1 and 2".
const LABEL =
  /^(?:(fig(?:ure)?\.?|tab(?:le)?\.?)\s*|([図表])\s*)((?:[A-Z]\.?|S)?\d{1,3}(?:\.\d{1,2})?[a-z]?|[IVXL]{1,6}(?![a-z]))(?=$|[\s:：．|,)—–-]|\.(?!\d)|[^\p{L}\p{N}.])/iu;
// After the label, a caption goes on with a delimiter or a capitalised word ("Table 1 Patient-
// provider…", "図2.1 Ra上の空間"); running text goes on with a verb or punctuation ("Figure 1 shows",
// "Table 3)", "表3では").
const CAPTION_REST = /^(?:\s*[:：.．|—–-]\s*(?![\d.])|\s+(?=[\p{Lu}\p{Lo}(“"'‘]))/u;
const HIRAGANA = /^[\u3040-\u309F]/u;

/**
 * The figure and table captions of a document: a line starting with a label ("Figure 3:",
 * "Table 2.", "図1") and the rest of its paragraph. Mentions in running text ("as shown in Figure 1",
 * "Figure 1 shows") are not captions. When a label is found twice (a caption and a sentence that
 * starts with it), the likelier caption is kept.
 */
export function extractCaptions(pages: readonly PageLayout[]): Caption[] {
  const body = bodySize(pages);
  const found: (Caption & { score: number })[] = [];
  pages.forEach((page, pi) => {
    const lines = page.lines;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const head = captionHead(line.text);
      if (!head || continuesSentence(lines, i)) continue;
      const parts = [line.text];
      while (
        i + 1 < lines.length &&
        partOfCaption(line, lines[i]!, lines[i + 1]!) &&
        parts.join(" ").length < 1000
      ) {
        parts.push(lines[++i]!.text);
      }
      const text = collapseWhitespace(parts.join(" "));
      if (/\(\s*\.*\s*continued\s*\)/i.test(text)) continue;
      const score =
        (line.size < body - 0.3 ? 2 : 0) + (line.paragraphStart ? 1 : 0) + (head.delimited ? 1 : 0);
      found.push({ kind: head.kind, label: head.label, text, page: pi + 1, score });
    }
  });
  const best = new Map<string, Caption & { score: number }>();
  for (const c of found) {
    const key = `${c.kind} ${c.label}`;
    const seen = best.get(key);
    if (!seen || c.score > seen.score) best.set(key, c);
  }
  return found
    .filter((c) => best.get(`${c.kind} ${c.label}`) === c)
    .map(({ kind, label, text, page }) => ({ kind, label, text, page }));
}

/** The kind and label of a line that starts like a caption, or null. */
export function captionHead(
  line: string,
): { kind: Caption["kind"]; label: string; delimited: boolean } | null {
  const t = line.trim();
  const m = LABEL.exec(t);
  if (!m) return null;
  const word = (m[1] ?? m[2] ?? "").toLowerCase();
  const kind: Caption["kind"] = word.startsWith("fig") || word === "図" ? "figure" : "table";
  const rest = t.slice(m[0].length);
  if (m[2] ? HIRAGANA.test(rest.trimStart()) : !CAPTION_REST.test(rest)) return null;
  // A caption says something: not a row of numbers under a "Table" column.
  if ((rest.match(/\p{L}/gu) ?? []).length < 2) return null;
  return { kind, label: m[3]!, delimited: /^\s*[:：.．|]/.test(rest) };
}

/** Whether the line before, in the same type, leaves a sentence open ("… statistics in / Table 4. On…"). */
function continuesSentence(lines: readonly LayoutLine[], i: number): boolean {
  const line = lines[i]!;
  for (let k = i - 1; k >= 0 && k >= i - 4; k--) {
    const prev = lines[k]!;
    if (Math.abs(prev.size - line.size) > 0.3) continue;
    // Text far above in the same column (a running head) leaves nothing open.
    const adjacent = prev.top > line.top || line.top - prev.top <= 2.5 * line.size;
    return adjacent && /(?:\p{Ll}|,)$/u.test(prev.text.trim()) && prev.text.trim().split(/\s+/).length >= 4;
  }
  return false;
}

function partOfCaption(first: LayoutLine, prev: LayoutLine, next: LayoutLine): boolean {
  return (
    !next.paragraphStart &&
    // A table's body often follows its caption after a gap.
    next.top - prev.top <= 1.8 * first.size &&
    Math.abs(next.size - first.size) <= 0.3 &&
    next.top > first.top &&
    captionHead(next.text) === null
  );
}
