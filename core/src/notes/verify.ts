import type { PageRecord } from "../domain/records.ts";
import { collapseWhitespace } from "../extraction/text-normalize.ts";
import type { Statement } from "../ports/note-generator.ts";

/**
 * Normalises text for citation checks: NFKC, soft hyphens dropped, end-of-line hyphenation joined
 * ("conver-\nsion" → "conversion"), whitespace collapsed (and dropped next to CJK).
 */
export function normalizeForVerification(text: string): string {
  return collapseWhitespace(
    text
      .normalize("NFKC")
      .replace(/\u00AD/g, "")
      .replace(/(\p{Ll})[-\u2010]\s*\n\s*(\p{Ll})/gu, "$1$2"),
  );
}

const STOPWORDS = new Set(
  "a an and are as at be been but by can could did do does for from had has have he her his how i if in into is it its may might more most no not of on or our she should so such than that the their them then there these they this those to under was we were what when where which while who will with would you your also using used use based".split(
    " ",
  ),
);

/** Content words of Latin text, and character bigrams of CJK runs. */
export function contentTerms(text: string): string[] {
  const lower = text.normalize("NFKC").toLowerCase();
  const words = (lower.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []).filter(
    (w) => !/[\u3040-\u9FFF]/u.test(w) && w.length >= 3 && !STOPWORDS.has(w),
  );
  const bigrams: string[] = [];
  for (const run of lower.match(/[\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF]+/gu) ?? []) {
    if (run.length === 1) bigrams.push(run);
    for (let i = 0; i + 1 < run.length; i++) bigrams.push(run.slice(i, i + 2));
  }
  return [...words, ...bigrams];
}

/** Share of a non-verbatim statement's content words that must occur on the cited page. */
export const PARAPHRASE_OVERLAP = 0.6;

/**
 * Checks a statement against the page it cites. A verbatim statement must occur on that page
 * (after {@link normalizeForVerification} of both); a paraphrase must share at least
 * {@link PARAPHRASE_OVERLAP} of its content words with the page. A statement with a `quote` also
 * needs the quote on that page (exactly, after normalisation); when the statement is written in
 * another script than the page, the quote alone decides. A page that does not exist never verifies.
 */
export function verifyStatement(
  statement: Statement,
  pages: readonly Pick<PageRecord, "number" | "text">[],
): boolean {
  const page = pages.find((p) => p.number === statement.page);
  if (!page) return false;
  const claim = normalizeForVerification(statement.text);
  if (!claim) return false;
  const source = normalizeForVerification(page.text);
  if (statement.quote !== undefined) {
    const quote = normalizeForVerification(statement.quote);
    if (!quote || !source.includes(quote)) return false;
    if (claim === quote) return true;
    // A statement in another script than the page (a Japanese note of an English paper) cannot
    // share words with it: its quote, which must occur, is the check.
    if (isMostlyCjk(claim) !== isMostlyCjk(source)) return true;
  }
  if (statement.verbatim) return source.includes(claim);
  const terms = [...new Set(contentTerms(claim))];
  if (terms.length === 0) return source.includes(claim);
  const pageTerms = new Set(contentTerms(source));
  const present = terms.filter((t) => pageTerms.has(t)).length;
  return present / terms.length >= PARAPHRASE_OVERLAP;
}

/** True when at least a third of the letters are Japanese/Chinese characters. */
export function isMostlyCjk(text: string): boolean {
  const cjk = (text.match(/[\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF]/gu) ?? []).length;
  const letters = (text.match(/\p{L}/gu) ?? []).length;
  return letters > 0 && cjk >= letters / 3;
}
