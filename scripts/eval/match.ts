/** Text comparison shared by the extraction evaluations. */

/** NFKC, lowercase, punctuation stripped, whitespace collapsed, no spaces around CJK. */
export function normalizeForMatch(s: string): string {
  return s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, " ")
    .replace(/\s+/g, " ")
    .replace(/ (?=[\u3000-\u9FFF\uFF00-\uFFEF])|(?<=[\u3000-\u9FFF\uFF00-\uFFEF]) /gu, "")
    .trim();
}

/** An author name as a comparison key: normalised, spaces removed. */
export const nameKey = (s: string): string => normalizeForMatch(s).replace(/\s+/g, "");
