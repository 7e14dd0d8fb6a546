/** Making document and model text inert inside Markdown. */

/**
 * Makes document text inert inside a Markdown bullet: one line; no block syntax at its start
 * (`#`, `>`, list markers); raw HTML, links, images, wiki-links, code spans and citation
 * look-alikes escaped; `javascript:` removed. {@link unescapeMarkdown} reverses the escaping.
 */
export function neutralizeMarkdown(text: string): string {
  let s = defangUrls(
    text
      .replace(/\s+/g, " ")
      .trim()
      .replace(/(?:java|vb)script\s*:/gi, "")
      .replace(/data\s*:\s*[a-z]+\/[a-z0-9.+-]+[;,]/gi, ""),
  );
  s = s.replace(/[\\`*_[\]<>!|]/g, (ch) => (ch === "<" ? "&lt;" : ch === ">" ? "&gt;" : `\\${ch}`));
  // Block syntax only matters at the start of the line.
  s = s.replace(/^([#+\-=]|\d+[.)])/, (m) => `\\${m}`);
  return s;
}

/** Hosts whose bare URLs stay clickable in a note (scholarly identifiers); every other URL is defanged. */
export const LINK_ALLOWLIST: readonly string[] = ["doi.org", "dx.doi.org", "arxiv.org", "aclanthology.org"];

/**
 * Bare URLs and `www.` hosts outside {@link LINK_ALLOWLIST} are made non-clickable (`https[:]//`,
 * `www[.]`), so Markdown autolinking cannot turn document or model text into a link or a
 * tracking request.
 */
function defangUrls(text: string): string {
  return text.replace(
    /\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#]+)|\bwww\.([^\s/?#]+)/gi,
    (m, scheme, host, www) => {
      const h = String(host ?? `www.${String(www)}`)
        .toLowerCase()
        .replace(/^[^@]*@/, "")
        .replace(/:\d+$/, "");
      const allowed = LINK_ALLOWLIST.some((a) => h === a || h.endsWith(`.${a}`));
      if (allowed && scheme && /^https?$/i.test(String(scheme))) return m;
      return scheme ? `${String(scheme)}[:]//${String(host)}` : `www[.]${String(www)}`;
    },
  );
}
