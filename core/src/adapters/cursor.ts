import { badRequest } from "../errors/app-error.ts";

/*
 * The cursor of every cursor-paginated list, shared by all metadata stores so that a cursor means
 * the same on each: base64url JSON of the last item's (createdAt, id) in a newest-first list.
 */

/** Position of the last item of a page in a newest-first list ordered by (createdAt, id). */
export interface CursorPosition {
  createdAt: string;
  id: string;
}

/** The opaque cursor for `position` (base64url JSON; clients must not parse it). */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), "utf8").toString("base64url");
}

/** Parses a cursor made by {@link encodeCursor}; AppError `validation_failed` when it is not one. */
export function decodeCursor(cursor: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = null;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    typeof parsed[0] === "string" &&
    typeof parsed[1] === "string"
  ) {
    return { createdAt: parsed[0], id: parsed[1] };
  }
  throw badRequest("The cursor is not valid; pass `nextCursor` from the previous page unchanged.", [
    { path: "query.cursor", message: "invalid cursor" },
  ]);
}

/** Turns `limit + 1` fetched rows into a page with the cursor of its last item (null on the last page). */
export function toPage<T extends { createdAt: string; id: string }>(
  rows: T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
