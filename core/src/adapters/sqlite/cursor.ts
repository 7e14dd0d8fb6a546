import { decodeCursor } from "../cursor.ts";

export { decodeCursor, encodeCursor, toPage, type CursorPosition } from "../cursor.ts";

/**
 * SQL condition and parameters selecting rows strictly after `cursor` in newest-first order, for
 * tables with `created_at` and `id` columns (optionally prefixed by a table alias).
 */
export function afterCursor(cursor: string | undefined, alias = ""): { sql: string; params: string[] } {
  if (cursor === undefined || cursor === "") return { sql: "1", params: [] };
  const { createdAt, id } = decodeCursor(cursor);
  const p = alias ? `${alias}.` : "";
  return {
    sql: `(${p}created_at < ? OR (${p}created_at = ? AND ${p}id < ?))`,
    params: [createdAt, createdAt, id],
  };
}
