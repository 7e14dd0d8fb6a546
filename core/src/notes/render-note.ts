import type { Language } from "@academic-assist/sdk/contract";
import { contentHash } from "@academic-assist/sdk/writeback";
import type { DocumentRecord, NoteCitationStats, PageRecord } from "../domain/records.ts";
import type { GeneratedNote, NoteTemplateSpec } from "../ports/note-generator.ts";
import { renderSkeleton, templateVariables } from "./custom-templates.ts";
import { neutralizeMarkdown } from "./neutralize.ts";
import { verifyStatement } from "./verify.ts";

export { LINK_ALLOWLIST, neutralizeMarkdown } from "./neutralize.ts";

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
 * in ` [p. N]`; for a custom template (one with a `skeleton`), the skeleton with its variables
 * filled (inert) and each section placeholder replaced by that section's bullets, and the
 * template's name in the frontmatter as `template_name`. Each statement is checked against its cited page with `verifyStatement`; a
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
  const sectionLines: string[][] = generated.sections.map((section) => {
    const lines: string[] = [];
    if (section.statements.length === 0) lines.push(`- ${EMPTY_SECTION[input.language]}`);
    for (const st of section.statements) {
      total++;
      const ok = verifyStatement(st, input.pages);
      if (ok) verified++;
      const page = Number.isInteger(st.page) && st.page > 0 ? st.page : 0;
      const question = st.question ? `Q: ${neutralizeMarkdown(st.question)} A: ` : "";
      lines.push(`- ${question}${neutralizeMarkdown(st.text)} [p. ${page}${ok ? "" : ", unverified"}]`);
    }
    return lines;
  });
  let bodyText: string;
  if (input.template.skeleton) {
    // A custom template: its skeleton, with inert metadata and the generated sections in place.
    bodyText = renderSkeleton(
      input.template.skeleton,
      templateVariables(document, input.generatedAt),
      sectionLines,
    );
  } else {
    const body: string[] = [`# ${neutralizeMarkdown(displayTitle)}`, ""];
    generated.sections.forEach((section, i) => {
      body.push(`## ${neutralizeMarkdown(section.heading)}`, "", ...sectionLines[i]!, "");
    });
    bodyText = body.join("\n");
  }

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
      ...(input.template.skeleton ? [`template_name: ${yamlString(input.template.name)}`] : []),
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
export function yamlString(s: string): string {
  // U+2028/2029 are legal in JSON strings but line breaks to YAML.
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  return JSON.stringify(s.replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, ""))
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
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
