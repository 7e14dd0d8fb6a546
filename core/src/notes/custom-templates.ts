import { createHash } from "node:crypto";
import {
  TEMPLATE_LIMITS,
  TEMPLATE_VARIABLES,
  type DocumentMetadata,
  type TemplateVariable,
} from "@academic-assist/sdk/contract";
import type { DocumentRecord, TemplateRecord } from "../domain/records.ts";
import type { FieldProblem } from "../errors/app-error.ts";
import type { NoteTemplateSpec } from "../ports/note-generator.ts";
import { LINK_ALLOWLIST, neutralizeMarkdown } from "./neutralize.ts";
import { BUILT_IN_TEMPLATES, sectionKind } from "./templates.ts";

/**
 * Custom templates: a Markdown skeleton with `{{variable}}`s and `{{section:Heading}}` placeholders
 * (syntax in `sdk/src/contract/templates.ts`), checked here before it is stored and rendered here
 * after the generator has written the sections.
 */

/** A generated section a skeleton asks for. */
export interface SkeletonSection {
  heading: string;
  /** What to write; the built-in instruction of a known kind of heading when the skeleton gives none. */
  instruction: string;
  /** 1-based line of the placeholder. */
  line: number;
}

/** One line of a parsed skeleton: literal Markdown with variables, or a section placeholder. */
type SkeletonPart = { kind: "text"; text: string } | { kind: "section"; index: number };

export interface ParsedSkeleton {
  sections: SkeletonSection[];
  parts: SkeletonPart[];
  /** Every problem, each with its line and column; empty when the skeleton may be saved. */
  problems: FieldProblem[];
}

const VARIABLES = new Set<string>(TEMPLATE_VARIABLES);
const TOKEN = /\{\{([^{}\n]*)\}\}/g;
const SECTION = /^section\s*:\s*([^|]*?)\s*(?:\|\s*(.*?)\s*)?$/s;

/** Instructions of the built-in sections, by kind, for placeholders that give none. */
const DEFAULT_INSTRUCTION = new Map(
  BUILT_IN_TEMPLATES.flatMap((t) => t.sections).map((s) => [sectionKind(s.heading), s.instruction] as const),
);

/** Parses and checks a skeleton. `path` names the field in the problems (`body.skeleton`). */
export function parseSkeleton(skeleton: string, path = "body.skeleton"): ParsedSkeleton {
  const problems: FieldProblem[] = [];
  const sections: SkeletonSection[] = [];
  const parts: SkeletonPart[] = [];
  const problem = (line: number, column: number, message: string) =>
    problems.push({ path, message, line, column });
  if (skeleton.length > TEMPLATE_LIMITS.skeleton)
    problem(1, 1, `the skeleton is longer than ${TEMPLATE_LIMITS.skeleton} characters`);

  let fence: string | null = null;
  skeleton.split(/\r?\n/).forEach((text, i) => {
    const line = i + 1;
    // Code fences: dataview(js) blocks run code when the note is opened in Obsidian.
    const fenceMatch = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/.exec(text);
    if (fenceMatch) {
      if (fence === null) {
        fence = fenceMatch[1]!;
        if (/^dataview(js)?$/i.test(fenceMatch[2] ?? ""))
          problem(
            line,
            text.indexOf(fenceMatch[2]!) + 1,
            `a \`${fenceMatch[2]}\` block runs code in Obsidian`,
          );
      } else if (fenceMatch[1]!.startsWith(fence)) fence = null;
    }
    const engine =
      /<%|%>/.exec(text) ?? /\{%|%\}/.exec(text) ?? /`\s*\$=/.exec(text) ?? /`=\s*[^`]*`/.exec(text);
    if (engine)
      problem(line, engine.index + 1, `template-engine syntax \`${engine[0].trim()}\` is not allowed`);
    const html = /<(\/?[A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^>]*>?|<!--/.exec(text);
    if (html) problem(line, html.index + 1, `raw HTML (\`<${html[1] ?? "!--"}>\`) is not allowed`);
    const script = /\b(?:java|vb)script\s*:|\bdata\s*:\s*[a-z]+\/[a-z0-9.+-]+[;,]/i.exec(text);
    if (script) problem(line, script.index + 1, `\`${script[0]}\` links are not allowed`);
    for (const image of text.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)/g)) {
      const host = /^[a-z][a-z0-9+.-]*:\/\/([^/?#:]+)/i.exec(image[1]!)?.[1]?.toLowerCase();
      if (host && !LINK_ALLOWLIST.some((a) => host === a || host.endsWith(`.${a}`)))
        problem(line, image.index + 1, `images from ${host} would load when the note is opened`);
    }

    let isSection = false;
    let rest = text;
    for (const token of text.matchAll(TOKEN)) {
      const inner = token[1]!.trim();
      const column = token.index + 1;
      rest = rest.replace(token[0], " ".repeat(token[0].length));
      if (VARIABLES.has(inner)) continue;
      const section = SECTION.exec(inner);
      if (!section) {
        problem(
          line,
          column,
          `unknown variable \`{{${inner}}}\`; use ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(", ")} or {{section:Heading}}`,
        );
        continue;
      }
      const heading = section[1]!.trim();
      const instruction = section[2]?.trim() ?? "";
      if (text.trim() !== token[0]) {
        problem(line, column, "a section placeholder must be alone on its line");
        continue;
      }
      if (!heading) problem(line, column, "a section placeholder needs a heading: {{section:Summary}}");
      else if (heading.length > TEMPLATE_LIMITS.sectionHeading)
        problem(
          line,
          column,
          `a section heading is longer than ${TEMPLATE_LIMITS.sectionHeading} characters`,
        );
      else if (instruction.length > TEMPLATE_LIMITS.sectionInstruction)
        problem(
          line,
          column,
          `a section instruction is longer than ${TEMPLATE_LIMITS.sectionInstruction} characters`,
        );
      else if (sections.some((s) => s.heading.toLowerCase() === heading.toLowerCase()))
        problem(line, column, `the section "${heading}" appears twice`);
      else {
        isSection = true;
        sections.push({
          heading,
          instruction:
            instruction ||
            DEFAULT_INSTRUCTION.get(sectionKind(heading)) ||
            `What the paper says about ${heading}.`,
          line,
        });
      }
    }
    const stray = /\{\{|\}\}/.exec(rest);
    if (stray) problem(line, stray.index + 1, `unbalanced braces: \`${stray[0]}\` without its pair`);
    parts.push(isSection ? { kind: "section", index: sections.length - 1 } : { kind: "text", text });
  });
  if (sections.length === 0)
    problem(1, 1, "the skeleton has no generated section; add one such as {{section:Summary}}");
  if (sections.length > TEMPLATE_LIMITS.sections)
    problem(sections[TEMPLATE_LIMITS.sections]!.line, 1, `more than ${TEMPLATE_LIMITS.sections} sections`);
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { sections, parts, problems };
}

/** The generator's view of a stored custom template. */
export function customTemplateSpec(record: TemplateRecord): NoteTemplateSpec {
  const { sections } = parseSkeleton(record.skeleton);
  return {
    id: record.id,
    name: record.name,
    description: record.description || undefined,
    language: record.language ?? undefined,
    sections: sections.map((s) => ({ heading: s.heading, instruction: s.instruction })),
    prompt: record.prompt || undefined,
    skeleton: record.skeleton,
    // What the note's text depends on: a changed template never serves an older note from the cache.
    fingerprint: createHash("sha256")
      .update(JSON.stringify([record.prompt, record.skeleton, record.language]))
      .digest("hex")
      .slice(0, 16),
  };
}

/** Metadata the preview renders against when no document is given. */
export const SAMPLE_METADATA: DocumentMetadata = {
  title: "Attention Is All You Need",
  authors: ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"],
  abstract:
    "The dominant sequence transduction models are based on complex recurrent or convolutional neural networks.",
  doi: "10.48550/arXiv.1706.03762",
  year: 2017,
  language: "en",
};

/**
 * The variables' values for a document, each made inert for the middle of a Markdown line (one
 * line; Markdown, HTML, links and braces escaped), so that metadata from a PDF cannot add structure,
 * run template-engine code or be expanded again.
 */
export function templateVariables(
  document: Pick<DocumentRecord, "filename"> & { metadata: DocumentMetadata },
  generatedAt: string,
): Record<TemplateVariable, string> {
  const m = document.metadata;
  const inline = (s: string | null | undefined) =>
    s
      ? neutralizeMarkdown(s)
          .replace(/[{}$%]/g, (c) => `\\${c}`)
          // "10.1234/x" is no list item (that needs a space after "10."): keep DOIs as written.
          .replace(/^\\(?=\d+[.)]\S)/, "")
      : "";
  return {
    title: inline(m.title ?? document.filename.replace(/\.[A-Za-z0-9]{1,5}$/, "")),
    authors: inline(m.authors.join(", ")),
    year: m.year === null ? "" : String(m.year),
    doi: inline(m.doi),
    venue: inline(m.venue),
    abstract: inline(m.abstract),
    date: generatedAt.slice(0, 10),
  };
}

/**
 * The note body from a skeleton: variables replaced by their (inert) values, each section
 * placeholder line by `sectionLines[i]` (the generated, cited bullets of section i).
 */
export function renderSkeleton(
  skeleton: string,
  variables: Record<TemplateVariable, string>,
  sectionLines: readonly string[][],
): string {
  const { parts } = parseSkeleton(skeleton);
  const out: string[] = [];
  for (const part of parts) {
    if (part.kind === "section") out.push(...(sectionLines[part.index] ?? []));
    else
      out.push(
        part.text.replace(TOKEN, (token, inner: string) =>
          VARIABLES.has(inner.trim()) ? variables[inner.trim() as TemplateVariable] : token,
        ),
      );
  }
  return out.join("\n").replace(/\n*$/, "\n");
}
