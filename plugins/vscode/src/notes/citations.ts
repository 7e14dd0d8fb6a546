/**
 * Page citations: the server writes `[p. N]` (or `[p. N, unverified]`); in the workspace they become
 * links to the PDF, `[p. N](../papers/paper.pdf#page=N)`. `unlinkCitations` turns them back, so the
 * write-back rules compare the note with what the server generated (its `content_hash`).
 */

// Not after a backslash: `\[p. 3]` is text the generator escaped, not a citation.
const CITATION = /(?<!\\)\[p\. (\d{1,5})(, unverified)?\](?!\()/g;
const LINKED = /(?<!\\)\[p\. (\d{1,5})(, unverified)?\]\(([^()\s]*)#page=(\d{1,5})\)/g;

/** Percent-encodes each segment of a relative POSIX path for a Markdown link destination. */
export function encodeLinkPath(relativePath: string): string {
  return relativePath
    .split("/")
    .map((seg) =>
      seg === ".." || seg === "."
        ? seg
        : encodeURIComponent(seg).replace(
            /[()'!*]/g,
            (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
          ),
    )
    .join("/");
}

/** `[p. N]` → `[p. N](<pdf>#page=N)`; `pdfLink` is an already-encoded relative path. */
export function linkCitations(markdown: string, pdfLink: string): string {
  return markdown.replace(
    CITATION,
    (_m, page: string, unverified: string | undefined) =>
      `[p. ${page}${unverified ?? ""}](${pdfLink}#page=${page})`,
  );
}

/** The reverse of `linkCitations`: `[p. N](…#page=N)` → `[p. N]` (links to another page are left alone). */
export function unlinkCitations(markdown: string): string {
  return markdown.replace(
    LINKED,
    (m, page: string, unverified: string | undefined, _path: string, target: string) =>
      page === target ? `[p. ${page}${unverified ?? ""}]` : m,
  );
}

/** POSIX relative path from folder `from` to file `to` (both absolute POSIX paths). */
export function relativePosix(from: string, to: string): string {
  const a = from.split("/").filter(Boolean);
  const b = to.split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  return [...Array<string>(a.length - i).fill(".."), ...b.slice(i)].join("/");
}

/** The text inserted at the cursor for a search hit: a link to the page when the PDF is local. */
export function citationText(title: string, page: number, pdfLink: string | null): string {
  const label = `${title}, p. ${page}`;
  return pdfLink ? `[${label}](${pdfLink}#page=${page})` : `(${label})`;
}
