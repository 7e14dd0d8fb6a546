import type { Language } from "@academic-assist/sdk/contract";
import { contentHash } from "@academic-assist/sdk/writeback";
import type { DocumentRecord, NoteCitationStats, PageRecord } from "../domain/records.ts";
import type { GeneratedNote, NoteTemplateSpec } from "../ports/note-generator.ts";
import { verifyStatement } from "./verify.ts";

/** Input of {@link renderNote}. */
export interface RenderNoteInput {
  document: DocumentRecord;
  template: NoteTemplateSpec;
  language: Language;
  generated: GeneratedNote;
  pages: PageRecord[];
  /** ISO-8601 timestamp written into the frontmatter (kept out of the hashed body). */
  generatedAt: string;
}

/** A rendered note. */
export interface RenderedNote {
  markdown: string;
  /** `contentHash(markdown)`, also recorded in the frontmatter as `content_hash`. */
  contentHash: string;
  title: string | null;
  citations: NoteCitationStats;
}

const EMPTY_SECTION: Record<Language, string> = {
  en: "_No passage of the document supports this section._",
  ja: "_この項目に該当する記述は見つかりませんでした。_",
};

/**
 * Renders a generated note as Markdown with YAML frontmatter and checks every citation.
 *
 * Frontmatter: title, authors, year, doi, source (the document's file name), document_id,
 * template, language, generator (= provider, kept for older readers), provider, model, generated_at,
 * tokens_in, tokens_out, cost_usd, citations_total, citations_verified, citations_verified_share,
 * content_hash.
 * Strings are emitted as JSON strings, which YAML reads as double-quoted scalars, so no value can
 * break out of its field.
 *
 * Body: `# <title>`, then per template section `## <heading>` and one bullet per statement ending
 * in ` [p. N]`. Each statement is checked against its cited page with `verifyStatement`; a
 * statement that does not verify is kept (the reader may still want it) but marked
 * ` [p. N, unverified]` and counted in `citations.unverified`. Statement text is neutralised so that
 * document text cannot inject Markdown structure, HTML, images, links, wiki-links or code spans.
 */
export async function renderNote(input: RenderNoteInput): Promise<RenderedNote> {
  const { document, generated } = input;
  const title = document.metadata.title ?? null;
  const displayTitle = title ?? document.filename.replace(/\.[A-Za-z0-9]{1,5}$/, "");

  let total = 0;
  let verified = 0;
  const body: string[] = [`# ${neutralizeMarkdown(displayTitle)}`, ""];
  for (const section of generated.sections) {
    body.push(`## ${neutralizeMarkdown(section.heading)}`, "");
    if (section.statements.length === 0) body.push(`- ${EMPTY_SECTION[input.language]}`);
    for (const st of section.statements) {
      total++;
      const ok = verifyStatement(st, input.pages);
      if (ok) verified++;
      const page = Number.isInteger(st.page) && st.page > 0 ? st.page : 0;
      const question = st.question ? `Q: ${neutralizeMarkdown(st.question)} A: ` : "";
      body.push(`- ${question}${neutralizeMarkdown(st.text)} [p. ${page}${ok ? "" : ", unverified"}]`);
    }
    body.push("");
  }
  const bodyText = body.join("\n");

  const meta = document.metadata;
  const frontmatter = (hash: string | null): string =>
    [
      "---",
      `title: ${yamlString(displayTitle)}`,
      meta.authors.length
        ? `authors:\n${meta.authors.map((a) => `  - ${yamlString(a)}`).join("\n")}`
        : "authors: []",
      `year: ${meta.year ?? "null"}`,
      `doi: ${meta.doi ? yamlString(meta.doi) : "null"}`,
      `source: ${yamlString(document.filename)}`,
      `document_id: ${yamlString(document.id)}`,
      `template: ${yamlString(input.template.id)}`,
      `language: ${yamlString(input.language)}`,
      `generator: ${yamlString(generated.provider)}`,
      `provider: ${yamlString(generated.provider)}`,
      `model: ${yamlString(generated.model)}`,
      `generated_at: ${yamlString(input.generatedAt)}`,
      `tokens_in: ${generated.usage.inputTokens}`,
      `tokens_out: ${generated.usage.outputTokens}`,
      `cost_usd: ${generated.costUsd === undefined || generated.costUsd === null ? "null" : generated.costUsd.toFixed(6)}`,
      `citations_total: ${total}`,
      `citations_verified: ${verified}`,
      `citations_verified_share: ${total === 0 ? "null" : (verified / total).toFixed(3)}`,
      ...(hash ? [`content_hash: ${yamlString(hash)}`] : []),
      "---",
      "",
    ].join("\n");

  // The hash covers only the body, so it can be computed before it is written into the frontmatter.
  const hash = await contentHash(frontmatter(null) + bodyText);
  return {
    markdown: frontmatter(hash) + bodyText,
    contentHash: hash,
    title,
    citations: { total, verified, unverified: total - verified },
  };
}

/** A YAML double-quoted scalar: JSON string escaping is a subset of YAML's. */
function yamlString(s: string): string {
  // U+2028/2029 are legal in JSON strings but line breaks to YAML.
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  return JSON.stringify(s.replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, ""))
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

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

/** Reverses {@link neutralizeMarkdown}'s escaping (not the removal of `javascript:`). */
export function unescapeMarkdown(text: string): string {
  return text
    .replace(/\\([\\`*_[\]!|#+\-=])/g, "$1")
    .replace(/^\\(\d)/, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}

/**
 * The cited statements of a rendered note: every bullet ending in `[p. N]` (or
 * `[p. N, unverified]`), with its text unescaped back to the document's wording.
 */
export function extractCitations(markdown: string): { sentence: string; page: number; verified: boolean }[] {
  const out: { sentence: string; page: number; verified: boolean }[] = [];
  for (const line of markdown.split(/\r?\n/)) {
    const m = /^\s*[-*]\s+(.*?)\s*\[p\.\s*(\d+)(, unverified)?\]\s*$/.exec(line);
    if (!m) continue;
    // A flashcard cites its answer.
    const sentence = m[1]!.replace(/^Q: .*? A: /, "");
    out.push({ sentence: unescapeMarkdown(sentence), page: Number(m[2]), verified: m[3] === undefined });
  }
  return out;
}
