import { z } from "zod";
import { Id, Language, Timestamp } from "./common.ts";
import { FieldError } from "./errors.ts";
import { TemplateId } from "./notes.ts";

/**
 * Custom note templates of a project: a prompt plus a Markdown skeleton.
 *
 * Skeleton syntax (the whole of it):
 * - `{{title}}`, `{{authors}}`, `{{year}}`, `{{doi}}`, `{{venue}}`, `{{abstract}}`, `{{date}}` are
 *   replaced by the document's metadata (made inert: one line, Markdown and HTML escaped) and the
 *   generation date (`YYYY-MM-DD`); unknown metadata renders as nothing.
 * - `{{section:Heading}}` or `{{section:Heading | what to write}}`, alone on its line, is replaced
 *   by the generated, cited bullets of that section. At least one is required. Write the heading
 *   yourself (e.g. `## Heading`) where you want one.
 * - Nothing else: template-engine syntax (`<% %>`, `{% %}`, `dataviewjs`, `$=`), raw HTML and
 *   `javascript:` links are refused on save, each problem with its line and column.
 */

/** Variables a skeleton may use. */
export const TEMPLATE_VARIABLES = ["title", "authors", "year", "doi", "venue", "abstract", "date"] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** Size limits of a custom template (characters, UTF-16 code units). */
export const TEMPLATE_LIMITS = {
  name: 100,
  description: 500,
  prompt: 4000,
  skeleton: 20_000,
  /** Generated sections per skeleton. */
  sections: 20,
  /** Characters of a section's heading and of its instruction. */
  sectionHeading: 100,
  sectionInstruction: 500,
  /** Custom templates per project. */
  perProject: 100,
} as const;

const Name = z.string().trim().min(1).max(TEMPLATE_LIMITS.name);
const Description = z.string().trim().max(TEMPLATE_LIMITS.description);
const Prompt = z.string().trim().max(TEMPLATE_LIMITS.prompt);
const Skeleton = z.string().min(1).max(TEMPLATE_LIMITS.skeleton);

/** A project's custom template. */
export const CustomTemplate = z
  .object({
    /** Server-made (`tpl_…`); use it as `template` when creating a note. */
    id: TemplateId,
    projectId: Id,
    /** Unique in the project, ignoring case. */
    name: z.string(),
    description: z.string(),
    /** The language notes are written in unless the request says otherwise; null: the project's. */
    language: Language.nullable(),
    /**
     * Instructions for the generator. An LLM reads them in its system prompt (below the rules it
     * may not break: cite pages, JSON only); the offline generator prefers sentences that share
     * their words.
     */
    prompt: z.string(),
    /** The note body's Markdown with variables and section placeholders (see the module comment). */
    skeleton: z.string(),
    /** The section headings the skeleton asks for, in order. */
    sections: z.array(z.string()),
    builtIn: z.literal(false),
    createdBy: Id,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "CustomTemplate" });
export type CustomTemplate = z.infer<typeof CustomTemplate>;

export const TemplateCreateBody = z
  .object({
    name: Name,
    description: Description.default(""),
    language: Language.nullable().default(null),
    prompt: Prompt.default(""),
    skeleton: Skeleton,
  })
  .meta({ id: "TemplateCreateBody" });
export type TemplateCreateParams = z.input<typeof TemplateCreateBody>;

export const TemplateUpdateBody = z
  .object({
    name: Name.optional(),
    description: Description.optional(),
    language: Language.nullable().optional(),
    prompt: Prompt.optional(),
    skeleton: Skeleton.optional(),
  })
  .meta({ id: "TemplateUpdateBody" });
export type TemplateUpdateParams = z.input<typeof TemplateUpdateBody>;

export const TemplateIdParams = z.object({ templateId: Id });

export const TemplatePreviewBody = z
  .object({
    skeleton: Skeleton,
    /** Render against this document's metadata (a document of the project); sample metadata when omitted. */
    documentId: Id.optional(),
  })
  .meta({ id: "TemplatePreviewBody" });
export type TemplatePreviewParams = z.input<typeof TemplatePreviewBody>;

/** A skeleton rendered without a model: variables filled, each section shown as a placeholder bullet. */
export const TemplatePreview = z
  .object({
    /** The note body as it would look (empty when the skeleton has problems). */
    markdown: z.string(),
    sections: z.array(z.string()),
    /** What saving this skeleton would refuse, each with its line and column; empty when it is valid. */
    problems: z.array(FieldError),
  })
  .meta({ id: "TemplatePreview" });
export type TemplatePreview = z.infer<typeof TemplatePreview>;
