import { z } from "zod";
import { Id } from "./common.ts";

/** A question over a project's library. */
export const AskBody = z
  .object({
    question: z.string().trim().min(3).max(2000),
    /** Only this document of the project. */
    documentId: Id.optional(),
    /** Passages retrieved and given to the answerer (default 6). */
    maxPassages: z.number().int().min(1).max(20).default(6),
    /**
     * Also store the cited answer as a note of the project (owner, editor), template `answer`,
     * linked to the first document it cites and listing all of them; its citations are checked
     * like a generated note's. Nothing is stored when the library abstains.
     */
    saveAsNote: z.boolean().default(false),
  })
  .meta({ id: "AskBody" });
export type ProjectAskParams = z.input<typeof AskBody>;

/** Where a sentence of the answer comes from. */
export const AskCitation = z
  .object({ documentId: Id, page: z.number().int(), chunkId: z.string() })
  .meta({ id: "AskCitation" });
export type AskCitation = z.infer<typeof AskCitation>;

/** A retrieved passage the answer could draw on. */
export const AskPassage = z
  .object({
    chunkId: z.string(),
    documentId: Id,
    pageStart: z.number().int(),
    pageEnd: z.number().int(),
    section: z.string().nullable(),
    /** Share of the question's content words found in the passage (0–1). */
    relevance: z.number(),
    text: z.string(),
  })
  .meta({ id: "AskPassage" });
export type AskPassage = z.infer<typeof AskPassage>;

/**
 * The answer: sentences each followed by `[p. N]`, the citations behind them, and `abstained: true`
 * (with an explanation as `answer`) when the library does not contain the answer.
 */
export const AskResult = z
  .object({
    answer: z.string(),
    citations: z.array(AskCitation),
    abstained: z.boolean(),
    passages: z.array(AskPassage),
    provider: z.string(),
    model: z.string(),
    /** With `saveAsNote: true`: the note the answer was saved as, null when the library abstained. */
    noteId: Id.nullable().optional(),
  })
  .meta({ id: "AskResult" });
export type AskResult = z.infer<typeof AskResult>;
