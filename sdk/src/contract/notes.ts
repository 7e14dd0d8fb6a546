import { z } from "zod";
import { Id, Language, PageParams, Timestamp } from "./common.ts";
import { Job, JobError } from "./jobs.ts";

export const BUILT_IN_TEMPLATES = [
  "summary",
  "literature-note",
  "methods-results",
  "critique",
  "flashcards",
  "summary-ja",
] as const;
/** A built-in template's name (`summary`) or a project template's server-made id (`tpl_…`). */
export const TemplateId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "must be a template id such as `summary`");

export const Template = z
  .object({
    id: TemplateId,
    name: z.string(),
    description: z.string(),
    builtIn: z.boolean(),
    sections: z.array(z.string()),
    /** The project a custom template belongs to; absent for built-in templates. */
    projectId: Id.optional(),
  })
  .meta({ id: "Template" });
export type Template = z.infer<typeof Template>;
export const TemplateList = z.object({ items: z.array(Template) }).meta({ id: "TemplateList" });

export const NoteStatus = z.enum(["pending", "ready", "failed"]);
export type NoteStatus = z.infer<typeof NoteStatus>;

export const Generator = z.object({ provider: z.string(), model: z.string() }).meta({ id: "Generator" });

export const CitationStats = z
  .object({
    total: z.number().int(),
    verified: z.number().int(),
    /** Statements whose citation could not be checked against the cited page; marked in the note. */
    unverified: z.number().int(),
  })
  .meta({ id: "CitationStats" });
export type CitationStats = z.infer<typeof CitationStats>;

export const Note = z
  .object({
    id: Id,
    projectId: Id,
    documentId: Id,
    template: TemplateId,
    language: Language,
    status: NoteStatus,
    title: z.string().nullable(),
    /** The whole note: YAML frontmatter then Markdown. Empty until `status` is `ready`. */
    markdown: z.string(),
    /**
     * sha256 of the body of `markdown` (see `contentHash` in `./writeback`); the generator also writes
     * it into the frontmatter, which detects user edits on write-back. An edit through the API
     * recomputes this field but leaves the frontmatter's `content_hash` as sent.
     */
    contentHash: z.string().nullable(),
    /**
     * Starts at 1 and grows by one on every change of the note (generation, edits). The note's ETag
     * is this number in quotes (`"3"`): send it as `If-Match` to edit the note.
     */
    revision: z.number().int().positive(),
    generator: Generator.nullable(),
    citations: CitationStats.nullable(),
    error: JobError.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Note" });
export type Note = z.infer<typeof Note>;

export const NoteCreateBody = z
  .object({
    template: TemplateId.default("summary"),
    language: Language.optional(),
    /**
     * Serve an identical request (same document bytes, template, language, provider and model)
     * from the cache: a ready note of it in the project is copied, with no job and no cost.
     * `false` always generates anew.
     */
    cache: z.boolean().default(true),
  })
  .meta({ id: "NoteCreateBody" });
export type NoteCreateParams = z.input<typeof NoteCreateBody>;

export const NoteCreateResult = z
  .object({
    note: Note,
    /** The generation job; null when the note was served from the cache (then it is already `ready`). */
    job: Job.nullable(),
    /** True when the note is a copy of an identical ready note (no job, no cost). */
    cached: z.boolean().default(false),
  })
  .meta({ id: "NoteCreateResult" });
export type NoteCreateResult = z.infer<typeof NoteCreateResult>;

export const NoteIdParams = z.object({ noteId: Id });

/**
 * Longest note Markdown an edit may store, in UTF-16 code units. Chosen so that even an all-CJK
 * note (3 bytes a character in UTF-8) fits the server's 1 MB JSON body limit.
 */
export const NOTE_MARKDOWN_MAX_CHARS = 200_000;

export const NoteUpdateBody = z
  .object({
    /** The whole note (frontmatter and body) as it should now be stored. */
    markdown: z.string().max(NOTE_MARKDOWN_MAX_CHARS),
    /** A new title; the title is kept when omitted. */
    title: z.string().trim().min(1).max(500).optional(),
  })
  .meta({ id: "NoteUpdateBody" });
export type NoteUpdateParams = z.input<typeof NoteUpdateBody>;

/** Request headers of `PATCH /notes/{noteId}`. */
export const NoteUpdateHeaders = z.object({
  /**
   * The ETag of the note the edit is based on (from `GET /notes/{noteId}`, or `"<revision>"`).
   * Missing: 428 `precondition_required`; no longer current: 409 `conflict`.
   */
  "If-Match": z.string().min(1).max(200).meta({ description: 'The note\'s ETag, e.g. `"3"`' }),
});

/** The ETag of a note at `revision`: the revision number as a strong entity tag, `"3"`. */
export const noteEtag = (revision: number): string => `"${revision}"`;
export const NoteListQuery = PageParams.extend({ documentId: Id.optional() });
export type NoteListParams = z.input<typeof NoteListQuery>;

export const NoteEstimateBody = z
  .object({ template: TemplateId.default("summary"), language: Language.optional() })
  .meta({ id: "NoteEstimateBody" });
export type NoteEstimateParams = z.input<typeof NoteEstimateBody>;

/** What generating a note would take, before it starts. */
export const NoteEstimate = z
  .object({
    provider: z.string(),
    model: z.string(),
    /** Prompt tokens of every call, built exactly as generation batches the document. */
    inputTokens: z.number().int().nonnegative(),
    /** Expected ceiling of generated tokens; real usage is normally below it. */
    outputTokens: z.number().int().nonnegative(),
    /** USD at list price; null offline (extractive) and when the model's price is unknown. */
    costUsd: z.number().nonnegative().nullable(),
    /** An identical ready note exists in the project: creating this note is served from the cache, free. */
    cached: z.boolean(),
  })
  .meta({ id: "NoteEstimate" });
export type NoteEstimate = z.infer<typeof NoteEstimate>;

export const NoteEstimateBatchBody = z
  .object({
    documentIds: z.array(Id).min(1).max(100),
    template: TemplateId.default("summary"),
    language: Language.optional(),
  })
  .meta({ id: "NoteEstimateBatchBody" });
export type NoteEstimateBatchParams = z.input<typeof NoteEstimateBatchBody>;

export const NoteEstimateBatch = z
  .object({
    items: z.array(NoteEstimate.extend({ documentId: Id })),
    /** Sums over `items`; cached documents count 0 (they cost nothing). `costUsd` null when any uncached price is unknown. */
    total: z.object({
      inputTokens: z.number().int().nonnegative(),
      outputTokens: z.number().int().nonnegative(),
      costUsd: z.number().nonnegative().nullable(),
      cached: z.number().int().nonnegative(),
    }),
  })
  .meta({ id: "NoteEstimateBatch" });
export type NoteEstimateBatch = z.infer<typeof NoteEstimateBatch>;
