import { z } from "zod";

/** Server-made identifiers: a type prefix and 24 url-safe characters, e.g. `doc_01J…`. */
export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "must be an id");
export const Timestamp = z.iso.datetime().meta({ description: "RFC 3339 UTC timestamp" });

/** Query parameters of every cursor-paginated list. */
export const PageParams = z.object({
  limit: z.coerce.number<number>().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});
export type PageParams = z.infer<typeof PageParams>;

/** One page of a list: the items and the cursor of the next page (null on the last page). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const Language = z.enum(["en", "ja"]);
export type Language = z.infer<typeof Language>;
