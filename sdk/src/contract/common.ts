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

/**
 * An email address within RFC 5321's limits: a local part of at most 64 characters, at most 254 in
 * all, domain labels of 1-63 letters, digits and inner hyphens (RFC 1035); ASCII only, so
 * characters are octets. zod's own email pattern with those bounds written into the pattern itself,
 * so that the OpenAPI document states them; the one rule a bounded pattern cannot say without a
 * lookahead (which would stall schema-driven generators) — no `..` — is checked on top. Used for
 * input and output alike: the server refuses such addresses before storing them, so every stored
 * address fits the output schema.
 */
export const Email = z
  .email({
    pattern:
      /^[A-Za-z0-9_'+-](?:[A-Za-z0-9_'+.-]{0,62}[A-Za-z0-9_+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/,
    error: "must be an email address (at most 64 characters before the @, 254 in all)",
  })
  .max(254)
  .refine((v) => !v.includes(".."), { error: "must be an email address (no `..`)" });

/**
 * `Idempotency-Key` on the endpoints whose contract says `idempotency: "key"`: a client's unique
 * value (a UUID) for one intended action, reused on every retry of it.
 */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "must be 1-255 visible ASCII characters")
  .meta({ description: "A unique value (e.g. a UUID) per intended action, reused when retrying it" });
