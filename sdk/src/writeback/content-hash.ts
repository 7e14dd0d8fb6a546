/**
 * The content hash of a note: sha256 (hex) of its Markdown body — everything after the YAML
 * frontmatter — with line endings normalised to `\n`. The server writes it into the frontmatter as
 * `content_hash`; a client that finds a body whose hash differs knows the user edited the note.
 * Uses WebCrypto, so it runs in Node, browsers, VS Code and Obsidian mobile alike.
 */
export async function contentHash(markdown: string): Promise<string> {
  const body = splitFrontmatter(markdown).body.replace(/\r\n?/g, "\n");
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Splits `---\n<yaml>\n---\n<body>`; a note without frontmatter is all body. */
export function splitFrontmatter(markdown: string): { frontmatter: string | null; body: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(markdown);
  if (!m) return { frontmatter: null, body: markdown };
  return { frontmatter: m[1] ?? "", body: markdown.slice(m[0].length) };
}

/** The `content_hash` recorded in a note's frontmatter, or null. */
export function recordedContentHash(markdown: string): string | null {
  const { frontmatter } = splitFrontmatter(markdown);
  if (frontmatter === null) return null;
  const m = /^content_hash:\s*"?([0-9a-f]{64})"?\s*$/m.exec(frontmatter);
  return m?.[1] ?? null;
}
