import type { LayoutLine, PageLayout } from "./types.ts";

/**
 * A page laid out one line per entry of `rows`: `[text, x0, size, paragraphStart?]`, 12 pt apart
 * from the top (a paragraph start adds 6 pt more, as a blank line would).
 */
export function pageOf(
  rows: [text: string, x0: number, size: number, paragraphStart?: boolean][],
): PageLayout {
  let offset = 0;
  let top = 100;
  const lines: LayoutLine[] = rows.map(([text, x0, size, paragraphStart = false], i) => {
    if (i > 0) top += paragraphStart ? 18 : 12;
    const line = {
      text,
      start: offset,
      end: offset + text.length,
      size,
      maxSize: size,
      top,
      baseline: top + 9,
      x0,
      x1: 300,
      paragraphStart,
    };
    offset += text.length + 1;
    return line;
  });
  return { width: 612, height: 792, text: rows.map((r) => r[0]).join("\n"), spans: [], lines };
}
