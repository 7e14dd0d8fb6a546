import type { LinkStyle } from "./settings.ts";

/** `[p. 5]` and `[p. 5, unverified]`, as the server writes them after each statement. */
const CITATION = /\[p\. (\d{1,5})(, unverified)?\]/g;

/** Characters that end or split a wikilink target; such a path gets a Markdown link instead. */
const WIKILINK_UNSAFE = /[[\]|#^]/;

/**
 * A link that opens `pdfPath` (a vault path) at `page`, labelled `label`. Wikilinks read best in
 * source mode; Markdown links are the fallback for paths a wikilink cannot hold, and a setting.
 */
export function pageLink(pdfPath: string, page: number, label: string, style: LinkStyle): string {
  if (style === "wikilink" && !WIKILINK_UNSAFE.test(pdfPath)) {
    return `[[${pdfPath}#page=${page}|${label}]]`;
  }
  const target = pdfPath
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
  return `[${label.replace(/[[\]]/g, "")}](${target}#page=${page})`;
}

/**
 * Renders the `[p. N]` citations of a note body as links that open the PDF at the cited page when
 * the PDF is in the vault (`pdfPath`), and leaves them as plain text otherwise.
 */
export function renderCitations(body: string, pdfPath: string | null, style: LinkStyle): string {
  if (pdfPath === null) return body;
  return body.replace(CITATION, (whole, digits: string, unverified: string | undefined) => {
    const page = Number(digits);
    if (!Number.isInteger(page) || page < 1) return whole;
    return pageLink(pdfPath, page, `p. ${page}${unverified ?? ""}`, style);
  });
}
