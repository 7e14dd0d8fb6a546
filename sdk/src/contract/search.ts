import { z } from "zod";
import { Id } from "./common.ts";

export const SearchQuery = z.object({
  q: z.string().trim().min(1).max(500),
  /** Only this project's documents; without it, every project the caller can read. */
  projectId: Id.optional(),
  documentId: Id.optional(),
  limit: z.coerce.number<number>().int().min(1).max(50).default(10),
  cursor: z.string().max(512).optional(),
});
export type SearchParams = z.input<typeof SearchQuery>;

export const SearchHit = z
  .object({
    chunkId: Id,
    documentId: Id,
    projectId: Id,
    documentTitle: z.string().nullable(),
    filename: z.string(),
    pageStart: z.number().int(),
    pageEnd: z.number().int(),
    section: z.string().nullable(),
    /** Plain text around the match. */
    snippet: z.string(),
    /** Character ranges of `snippet` that matched the query, for highlighting. */
    highlights: z.array(z.object({ start: z.number().int(), end: z.number().int() })),
    score: z.number(),
  })
  .meta({ id: "SearchHit" });
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResults = z
  .object({ items: z.array(SearchHit), nextCursor: z.string().nullable(), tookMs: z.number() })
  .meta({ id: "SearchResults" });
export type SearchResults = z.infer<typeof SearchResults>;
