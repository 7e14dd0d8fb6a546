import { collapseWhitespace, isCjk } from "./text-normalize.ts";

// Abbreviations after which a period does not end a sentence.
const ABBREVIATIONS = new Set([
  "al",
  "e.g",
  "i.e",
  "cf",
  "etc",
  "vs",
  "fig",
  "figs",
  "eq",
  "eqs",
  "ref",
  "refs",
  "sec",
  "secs",
  "tab",
  "no",
  "nos",
  "vol",
  "pp",
  "p",
  "ch",
  "dr",
  "mr",
  "mrs",
  "ms",
  "prof",
  "st",
  "approx",
  "resp",
  "inc",
  "ltd",
  "co",
  "jr",
  "sr",
  "et",
  "viz",
  "ca",
  "dept",
  "univ",
  "est",
  "min",
  "max",
  "avg",
  "incl",
  "suppl",
  "ed",
  "eds",
]);

/**
 * Splits text into sentences: after "." "!" "?" followed by a space and a capital, digit, quote or
 * bracket (not after abbreviations, initials or decimals), and after Japanese "。" "！" "？".
 * Whitespace is collapsed (and dropped next to CJK) in the returned sentences.
 */
export function splitSentences(text: string): string[] {
  const flat = collapseWhitespace(text);
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < flat.length; i++) {
    const ch = flat[i]!;
    if (ch === "。" || ch === "！" || ch === "？" || ch === "!" || ch === "?") {
      // Japanese punctuation ends a sentence even without a following space.
      let end = i + 1;
      while (end < flat.length && /[」』）)"'’”]/.test(flat[end]!)) end++;
      if (ch === "。" || ch === "！" || ch === "？" || flat[end] === " " || end === flat.length) {
        push(out, flat.slice(start, end));
        start = end;
        i = end - 1;
      }
      continue;
    }
    if (ch !== ".") continue;
    // Japanese text normalised from "．" ends sentences with "." and no space.
    if (isCjk(flat[i - 1]) && !/\d/.test(flat[i + 1] ?? "")) {
      push(out, flat.slice(start, i + 1));
      start = i + 1;
      continue;
    }
    let end = i + 1;
    while (end < flat.length && /["'’”)\]]/.test(flat[end]!)) end++;
    if (flat[end] !== " ") continue;
    const next = flat[end + 1] ?? "";
    if (!/[\p{Lu}\d"'“‘([\p{Lo}]/u.test(next)) continue;
    const word = /([\p{L}.]+)$/u.exec(flat.slice(start, i))?.[1] ?? "";
    if (ABBREVIATIONS.has(word.toLowerCase())) continue;
    // An initial ("J. Smith") or a dotted abbreviation ("U.S.").
    if (/^\p{Lu}$/u.test(word) || /\.\p{L}$/u.test(word)) continue;
    push(out, flat.slice(start, end));
    start = end + 1;
    i = end;
  }
  push(out, flat.slice(start));
  return out;
}

function push(out: string[], s: string): void {
  const t = s.trim();
  if (t) out.push(t);
}

/** Approximate token count: one per Latin word, one per CJK character. */
export function countTokens(text: string): number {
  const cjk = (text.match(/[\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uAC00-\uD7AF]/gu) ?? [])
    .length;
  const words = text
    .replace(/[\u3000-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uAC00-\uD7AF\uFF00-\uFFEF]/gu, " ")
    .split(/\s+/)
    .filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
  return cjk + words;
}
