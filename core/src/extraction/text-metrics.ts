/**
 * Accuracy measures for extracted and recognised text, shared by the tests and
 * `npm run eval:extraction`.
 */
import { isCjk } from "./text-normalize.ts";

/**
 * The form texts are compared in: NFKC, typographic quotes and dashes as ASCII, whitespace runs
 * as one space, and no whitespace next to CJK characters (where its presence is not an error).
 */
export function normalizeForCer(s: string): string {
  const t = s
    .normalize("NFKC")
    .replace(/[‘’‚‛′]/gu, "'")
    .replace(/[“”„‟″]/gu, '"')
    .replace(/[‐‑‒–—―]/gu, "-")
    .replace(/\s+/gu, " ")
    .trim();
  let out = "";
  for (let i = 0; i < t.length; i++) {
    const ch = t[i]!;
    if (ch === " " && (isCjk(t[i - 1]) || isCjk(t[i + 1]))) continue;
    out += ch;
  }
  return out;
}

/** Levenshtein distance between two strings (by UTF-16 code unit; CJK is in the BMP). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** Character error rate of `hypothesis` against `reference`: edit distance / reference length. */
export function cer(reference: string, hypothesis: string): number {
  const ref = normalizeForCer(reference);
  const hyp = normalizeForCer(hypothesis);
  return ref.length === 0 ? (hyp.length === 0 ? 0 : 1) : editDistance(ref, hyp) / ref.length;
}

/**
 * The smallest edit distance between `needle` and any substring of `haystack` (semi-global
 * alignment): how well a known passage is reproduced somewhere in a longer recognised text.
 */
export function bestSubstringDistance(needle: string, haystack: string): number {
  let prev = new Array<number>(haystack.length + 1).fill(0);
  let cur = new Array<number>(haystack.length + 1);
  for (let i = 1; i <= needle.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= haystack.length; j++) {
      const cost = needle.charCodeAt(i - 1) === haystack.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return Math.min(...prev);
}

/**
 * CER of known passages located in a recognised text: each passage is matched against its best
 * substring of `hypothesis`, and the errors of all passages are divided by their total length.
 * Used where the ground truth holds only parts of a page (title, authors, a header line).
 */
export function passageCer(
  passages: string[],
  hypothesis: string,
): { cer: number; errors: number; chars: number } {
  const hyp = normalizeForCer(hypothesis);
  let errors = 0;
  let chars = 0;
  for (const p of passages) {
    const ref = normalizeForCer(p);
    if (!ref) continue;
    errors += bestSubstringDistance(ref, hyp);
    chars += ref.length;
  }
  return { cer: chars === 0 ? 0 : errors / chars, errors, chars };
}

/** The passages of a scan's ground truth that are printed on it: title, authors, quoted header lines. */
export function groundTruthPassages(gt: {
  title?: string | null;
  authors?: string[];
  notes?: string;
}): string[] {
  const out: string[] = [];
  if (gt.title) out.push(gt.title);
  for (const a of gt.authors ?? []) out.push(a);
  for (const m of (gt.notes ?? "").matchAll(/line: "([^"]+)"/g)) out.push(m[1]!);
  return out;
}
