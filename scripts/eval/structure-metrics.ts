/**
 * Metrics of the structure found in a document's metadata (keywords, arXiv id, venue, section tree,
 * captions), shared by the extraction evaluations.
 *
 * Venue match: the ground-truth venues are written by hand ("ACL 2014", "PeerJ Computer Science")
 * while we report what is printed ("Proceedings of the 52nd Annual Meeting of the Association for
 * Computational Linguistics", "PeerJ Comput. Sci. 3:e118"). A venue matches when at least 60% of the
 * ground truth's tokens (normalised as for titles, small words dropped) are covered by ours: the
 * same token, an abbreviation of it ("comput" for "computer", 3+ letters), the document's year for a
 * year token, or for an acronym ("ACL", "EACL") its letters in order among the initials of our
 * capitalised words (Proceedings … European Chapter … Association … Computational Linguistics).
 * A missing venue is a miss.
 */
import type { ExtractedDocument } from "../../core/src/extraction/index.ts";
import { normalizeForMatch } from "./match.ts";

type DocumentMetadata = ExtractedDocument["metadata"];
type DocumentSection = NonNullable<DocumentMetadata["sections"]>[number];

/** Ground-truth fields the structure metrics read. */
export interface StructureTruth {
  year?: number | null;
  venue?: string;
  keywords?: string[];
  arxiv_id?: string;
}

/** Counts over a set of documents. */
export interface StructureTally {
  kwTp: number;
  kwGot: number;
  kwExpected: number;
  kwN: number;
  kwFound: number;
  arxivOk: number;
  arxivN: number;
  venueOk: number;
  venueN: number;
  sections: number;
  captions: number;
  docs: number;
}

export const structureTally = (): StructureTally => ({
  kwTp: 0,
  kwGot: 0,
  kwExpected: 0,
  kwN: 0,
  kwFound: 0,
  arxivOk: 0,
  arxivN: 0,
  venueOk: 0,
  venueN: 0,
  sections: 0,
  captions: 0,
  docs: 0,
});

/** Adds `b` into `a`. */
export function addStructure(a: StructureTally, b: StructureTally): void {
  for (const k of Object.keys(a) as (keyof StructureTally)[]) a[k] += b[k];
}

const SMALL = new Set(["of", "the", "and", "for", "in", "on", "at", "a", "an", "format"]);
const tokens = (s: string) =>
  normalizeForMatch(s)
    .split(" ")
    .filter((t) => t && !SMALL.has(t));

function isSubsequence(needle: string, hay: string): boolean {
  let i = 0;
  for (const c of hay) if (c === needle[i]) i++;
  return i === needle.length;
}

/** Whether our venue matches the hand-written ground truth (see the file comment). */
export function venueMatches(gt: string, ours: string | null | undefined, year: number | null): boolean {
  if (!ours) return false;
  const want = tokens(gt);
  const have = tokens(ours);
  const initials = (ours.match(/(?<![\p{L}\p{N}])\p{Lu}/gu) ?? []).join("").toLowerCase();
  const acronyms = new Set((gt.match(/\b[A-Z]{2,}\b/g) ?? []).map((a) => a.toLowerCase()));
  const covered = want.filter(
    (t) =>
      have.includes(t) ||
      have.some((h) => h.length >= 3 && t.startsWith(h)) ||
      (/^(19|20)\d{2}$/.test(t) && Number(t) === year) ||
      (acronyms.has(t) && isSubsequence(t, initials)),
  );
  return want.length > 0 && covered.length / want.length >= 0.6;
}

function depth(sections: readonly DocumentSection[]): number {
  return sections.reduce((d, s) => Math.max(d, 1 + depth(s.children)), 0);
}

function count(sections: readonly DocumentSection[]): number {
  return sections.reduce((n, s) => n + 1 + count(s.children), 0);
}

/** Scores one document into `t`. */
export function scoreStructure(t: StructureTally, gt: StructureTruth, m: DocumentMetadata): void {
  t.docs++;
  const keywords = m.keywords ?? [];
  if (keywords.length) t.kwFound++;
  if (gt.keywords?.length) {
    const e = new Set(gt.keywords.map(normalizeForMatch));
    const g = new Set(keywords.map(normalizeForMatch));
    t.kwN++;
    t.kwTp += [...g].filter((k) => e.has(k)).length;
    t.kwGot += g.size;
    t.kwExpected += e.size;
  }
  if (gt.arxiv_id) {
    t.arxivN++;
    if (m.arxivId === gt.arxiv_id) t.arxivOk++;
  }
  if (gt.venue) {
    t.venueN++;
    if (venueMatches(gt.venue, m.venue, gt.year ?? m.year)) t.venueOk++;
  }
  t.sections += count(m.sections ?? []);
  t.captions += (m.captions ?? []).length;
}

/** One line per document: what was found, for a human to judge (there is no gt for sections/captions). */
export function structureLine(gt: StructureTruth, m: DocumentMetadata): string {
  const sections = m.sections ?? [];
  const captions = m.captions ?? [];
  const figures = captions.filter((c) => c.kind === "figure").length;
  const venue = gt.venue
    ? ` (gt ${gt.venue}: ${venueMatches(gt.venue, m.venue, gt.year ?? m.year) ? "match" : "MISS"})`
    : "";
  return [
    `sections ${count(sections)} (${sections.length} top-level, depth ${depth(sections)}), captions ${figures} figures + ${captions.length - figures} tables, keywords ${(m.keywords ?? []).length}`,
    `venue ${m.venue ?? "-"}${venue}, arXiv ${m.arxivId ?? "-"}${gt.arxiv_id ? ` (gt ${gt.arxiv_id})` : ""}`,
  ].join("\n     ");
}

function pct(n: number, d: number): string {
  return d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)}% (${n}/${d})`;
}

/** The summary lines of a tally. */
export function structureSummary(t: StructureTally): string[] {
  const p = t.kwGot ? t.kwTp / t.kwGot : 0;
  const r = t.kwExpected ? t.kwTp / t.kwExpected : 0;
  const f1 = p + r ? (2 * p * r) / (p + r) : 0;
  return [
    t.kwN
      ? `  keywords P/R/F1       ${p.toFixed(2)} / ${r.toFixed(2)} / ${f1.toFixed(2)} (${t.kwN} files with keywords in gt)`
      : `  keywords P/R/F1       n/a (no gt keywords); found in ${t.kwFound}/${t.docs} files`,
    `  arXiv id exact match  ${pct(t.arxivOk, t.arxivN)}`,
    `  venue match           ${pct(t.venueOk, t.venueN)}`,
    `  sections / captions   ${t.sections} / ${t.captions} over ${t.docs} files (no gt: see the per-file lines)`,
  ];
}
