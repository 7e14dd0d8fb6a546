/**
 * The first DOI in `text` ("10.1186/1752-2897-4-1"), without a "doi:" prefix or trailing
 * punctuation; a DOI broken at the end of a line is rejoined. Used for the document's own DOI and
 * for each reference's.
 */
export function findDoi(text: string): string | null {
  // A DOI broken at the end of a line ("journal.\npone.0197919") continues on the next.
  const joined = text.replace(/(10\.\d{4,9}\/\S*[./_-])\n(?=[\w.])/g, "$1");
  const m = /\b(10\.\d{4,9}\/[^\s"<>]+)/.exec(joined.replace(/doi:\s*/gi, " "));
  if (!m) return null;
  return m[1]!.replace(/[.,;:)\]}'"]+$/, "");
}
