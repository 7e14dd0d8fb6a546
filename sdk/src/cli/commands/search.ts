import type { AcademicAssist } from "../../client.ts";
import type { SearchHit } from "../../contract/index.ts";
import type { Command } from "../args.ts";
import type { CliIO } from "../io.ts";

// Text from the server must not drive the terminal: no escape sequences, no line breaks.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]/g;
const clean = (s: string) => s.replace(UNPRINTABLE, " ");

/** The snippet with its highlight ranges in bold yellow (when `color`). */
export function highlight(hit: Pick<SearchHit, "snippet" | "highlights">, color: boolean): string {
  if (!color) return clean(hit.snippet);
  const ranges = [...hit.highlights].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const { start, end } of ranges) {
    const s = Math.max(start, at);
    const e = Math.min(end, hit.snippet.length);
    if (e <= s) continue;
    out += clean(hit.snippet.slice(at, s)) + "\x1b[1;33m" + clean(hit.snippet.slice(s, e)) + "\x1b[0m";
    at = e;
  }
  return out + clean(hit.snippet.slice(at));
}

export function formatHit(hit: SearchHit, index: number, color: boolean): string {
  const title = clean(hit.documentTitle ?? hit.filename);
  const pages = hit.pageStart === hit.pageEnd ? `p. ${hit.pageStart}` : `pp. ${hit.pageStart}–${hit.pageEnd}`;
  const head = color ? `\x1b[1m${title}\x1b[0m` : title;
  const section = hit.section ? ` · ${clean(hit.section)}` : "";
  return `${index}. ${head} — ${pages}${section}\n   ${highlight(hit, color)}\n`;
}

export async function searchCommand(
  cmd: Extract<Command, { name: "search" }>,
  io: CliIO,
  client: AcademicAssist,
): Promise<number> {
  const results = await client.search.query(
    { q: cmd.query, projectId: cmd.project, limit: cmd.limit },
    { signal: io.signal },
  );
  if (cmd.json) {
    io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return 0;
  }
  if (results.items.length === 0) {
    io.stderr.write(`No matches for "${cmd.query}".\n`);
    return 0;
  }
  const color = io.stdout.isTTY === true && !io.env.NO_COLOR;
  results.items.forEach((hit, i) => {
    io.stdout.write(formatHit(hit, i + 1, color));
  });
  return 0;
}
