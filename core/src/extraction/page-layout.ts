import type { TextSpan } from "@academic-assist/sdk/contract";
import { isCjk, normalizeText } from "./text-normalize.ts";
import type { LayoutLine, PageLayout } from "./types.ts";

/** A text run as printed, in PDF user space relative to the page box (origin bottom-left). */
export interface PositionedText {
  str: string;
  x: number;
  baseline: number;
  width: number;
  height: number;
  /** Font size (vertical scale of the text matrix). */
  size: number;
}

interface Item extends PositionedText {
  x1: number;
  /** Whitespace-only items are kept as gap markers, never emitted. */
  space: boolean;
  /**
   * The baseline rows are built on: the item's own, or for a sub/superscript the baseline of the
   * text it is attached to (so "f", "comp", "AN" of f_{comp_{AN}} share one line).
   */
  rowBaseline: number;
  /** The font size rows are built with: the item's own, or for a script that of its base. */
  rowSize: number;
  /** For a sub/superscript: the run it hangs on (through nested scripts). */
  script?: { root: Item };
  /** Position in the content stream. */
  order: number;
}

interface Row {
  items: Item[];
  bandLow: number;
  bandHigh: number;
  anchorSize: number;
}

interface Fragment {
  items: Item[];
  row: number;
  x0: number;
  x1: number;
}

interface Line {
  items: Item[];
  baseline: number;
}

const band = (it: Item): [number, number] => [it.rowBaseline, it.rowBaseline + 0.75 * it.rowSize];

/**
 * Lays out the text runs of one page in reading order: rows by baseline, a column gutter when the
 * page has two columns (left column emitted before the right, full-width blocks between them keep
 * their place), spaces only at real gaps and never between CJK characters, end-of-line
 * hyphenation repaired, paragraphs separated by a blank line where the vertical gap is large.
 */
export function layoutPage(input: PositionedText[], width: number, height: number): PageLayout {
  const items = dedupe(
    input
      .filter(
        (it) =>
          it.size > 0 &&
          it.x < width &&
          it.x + it.width > 0 &&
          it.baseline > -it.size &&
          it.baseline < height,
      )
      .map((it, order) => {
        const str = normalizeText(it.str);
        // Fields listed (not `...it`): one object shape for every item, which V8 reads fastest,
        // and no stray properties of the caller's runs.
        const item: Item = {
          str,
          x: it.x,
          baseline: it.baseline,
          width: it.width,
          height: it.height,
          size: it.size,
          x1: it.x + Math.max(it.width, 0),
          space: str.trim() === "",
          rowBaseline: it.baseline,
          rowSize: it.size,
          order,
        };
        return item;
      })
      .filter((it) => it.str.length > 0),
  );
  attachScripts(items);
  const rows = buildRows(items).map(dropOverlays);
  const fragments = dropPageFurniture(
    rows.flatMap((row, i) => splitRow(row, i)),
    rows,
    height,
  );
  const lines = orderLines(rows, fragments, width);
  return { ...assemble(lines, height), width };
}

function dedupe(items: Item[]): Item[] {
  // Fake bold prints the same run twice with a tiny offset; keep the first.
  const seen = new Set<string>();
  return items.filter((it) => {
    if (it.space) return true;
    const key = `${it.str}|${Math.round(it.x)}|${Math.round(it.baseline)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Sub- and superscripts (a smaller run just above or below the baseline, touching a larger run)
 * take the baseline of the run they belong to, so that rows keep them in x order instead of
 * making a line of their own. Larger runs are resolved first, so nested scripts follow their base.
 */
function attachScripts(items: Item[]): void {
  const real = items.filter((it) => !it.space);
  const byBaseline = [...real].sort((a, b) => a.baseline - b.baseline);
  const bySizeDesc = [...real].sort((a, b) => b.size - a.size);
  for (const s of bySizeDesc) {
    // Parents are at least ~12% larger and at most 4x; binary search the baseline window.
    const lo = s.baseline - 0.65 * 4 * s.size;
    const hi = s.baseline + 0.45 * 4 * s.size;
    let i = lowerBound(byBaseline, lo);
    let best: Item | null = null;
    let bestD = Infinity;
    for (; i < byBaseline.length && byBaseline[i]!.baseline <= hi; i++) {
      const p = byBaseline[i]!;
      if (p === s || p.size < 1.12 * s.size || p.size > 4 * s.size) continue;
      const d = s.baseline - p.baseline;
      // Superscripts sit up to about half the parent's size above, subscripts a third below.
      if (d > 0.6 * p.size || d < -0.4 * p.size) continue;
      const after = s.x - p.x1;
      const before = p.x - s.x1;
      const reach = 0.35 * p.size;
      const slack = -0.3 * s.size;
      // x_i, word², "end.³" — but not a label next to "con-"; before a run only a raised marker
      // ("¹We use…", "ᵝUniversity").
      const follows = after >= slack && after <= reach && SCRIPT_BASE_END.test(p.str);
      const precedes = before >= slack && before <= reach && d >= 0 && SCRIPT_BASE_START.test(p.str);
      if (!follows && !precedes) continue;
      const score = Math.abs(d) / p.size;
      if (score < bestD) [best, bestD] = [p, score];
    }
    if (best) {
      s.rowBaseline = best.rowBaseline;
      s.rowSize = best.rowSize;
      s.script = { root: best.script?.root ?? best };
    }
  }
  // A script of several runs ("min(" "x" "+" "r," "1)"): the runs after the first, same size and
  // height, follow it.
  const byX = [...real].sort((a, b) => a.x - b.x);
  // Runs that are (or have joined) a script, in x order: the only candidates, and few.
  const scripted: Item[] = [];
  for (const s of byX) {
    if (s.script) {
      scripted.push(s);
      continue;
    }
    for (const q of scripted) {
      if (q.x >= s.x) break;
      if (
        q.script &&
        Math.abs(q.size - s.size) < 0.1 * s.size &&
        Math.abs(q.baseline - s.baseline) < 0.15 * s.size &&
        s.x - q.x1 >= -0.3 * s.size &&
        s.x - q.x1 <= 0.35 * s.size
      ) {
        s.rowBaseline = q.rowBaseline;
        s.rowSize = q.rowSize;
        s.script = q.script;
        scripted.push(s);
        break;
      }
    }
  }
}

const SCRIPT_BASE_END = /[\p{L}\p{N}\p{S})\]}.,;:'’"”*′″]$/u;
const SCRIPT_BASE_START = /^[\p{L}\p{N}([{§]/u;

function lowerBound(sorted: Item[], baseline: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.baseline < baseline) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Drops short runs printed on top of another run of the row in a different size or at a different
 * height: labels of figures ("A", "B", "C" over a screenshot), stamps and callouts. Interleaved
 * in x order they would land inside a word ("such asC worker").
 */
function dropOverlays(row: Row): Row {
  const real = row.items.filter((it) => !it.space);
  const items = row.items.filter((o) => {
    // Scripts stacked on one base (x_j^{k+1}) overlap each other by design.
    if (o.space || o.script || o.str.trim().length > 3) return true;
    return !real.some(
      (h) =>
        h !== o &&
        !h.script &&
        h.str.trim().length > 3 &&
        o.x > h.x + 0.5 &&
        o.x1 < h.x1 - 0.5 &&
        (Math.abs(h.size - o.size) > 0.1 * h.size || Math.abs(h.baseline - o.baseline) > 0.25 * h.size),
    );
  });
  return items.length === row.items.length ? row : { ...row, items };
}

const PAGE_NUMBER =
  /^(?:(?:page|p\.)\s*)?[-–—]?\s*(?:\d{1,5}|[ivxlcdm]{1,7})\s*[-–—]?(?:\s*(?:of|\/)\s*\d{1,5})?$/i;

/**
 * Removes what is printed around the text rather than in it: a lone page number (or "Page 3",
 * "- 3 -", "iv") above or below everything else on the page, and margin line numbers (a column of
 * bare numbers beside the text, as in review copies). Left in, a proceedings page number such as
 * "1651" would open the next paragraph ("1651 lines on two…").
 */
function dropPageFurniture(fragments: Fragment[], rows: Row[], height: number): Fragment[] {
  const text = (f: Fragment) =>
    f.items
      .filter((i) => !i.space)
      .map((i) => i.str)
      .join("")
      .trim();
  const drop = new Set<Fragment>();
  const rowOf = new Map<number, Fragment[]>();
  for (const f of fragments) {
    const list = rowOf.get(f.row);
    if (list) list.push(f);
    else rowOf.set(f.row, [f]);
  }
  const rowBase = (r: number) => Math.max(...rows[r]!.items.map((i) => i.rowBaseline));
  const rowIds = [...rowOf.keys()].sort((a, b) => a - b);

  // Page numbers: alone on a row in the top or bottom margin, clearly apart from the text towards
  // the middle of the page (the lines of a proceedings footer may still follow them).
  rowIds.forEach((r, k) => {
    const fs = rowOf.get(r)!;
    if (fs.length !== 1 || !PAGE_NUMBER.test(text(fs[0]!))) return;
    const base = rowBase(r);
    const top = base > height * 0.88;
    if (!top && base >= height * 0.12) return;
    const inner = rowIds[top ? k + 1 : k - 1];
    const size = Math.max(...fs[0]!.items.map((i) => i.size));
    if (inner === undefined || Math.abs(base - rowBase(inner)) > 1.5 * size) drop.add(fs[0]!);
  });

  // Margin line numbers: many bare numbers aligned in a column outside the text.
  const numeric = fragments.filter((f) => /^\d{1,4}$/.test(text(f)));
  if (numeric.length >= 8) {
    const textual = fragments.filter((f) => !numeric.includes(f) && /\p{L}{2}/u.test(text(f)));
    if (textual.length > 0) {
      const bodyX0 = Math.min(...textual.map((f) => f.x0));
      const bodyX1 = Math.max(...textual.map((f) => f.x1));
      const outside = numeric.filter((f) => f.x1 <= bodyX0 + 1 || f.x0 >= bodyX1 - 1);
      // Aligned on the left or the right edge (numbers are usually right-aligned).
      for (const key of [(f: Fragment) => f.x0, (f: Fragment) => f.x1]) {
        const groups = new Map<number, Fragment[]>();
        for (const f of outside) {
          const k = Math.round(key(f) / 4);
          groups.set(k, [...(groups.get(k) ?? []), f]);
        }
        for (const g of groups.values()) if (g.length >= 8) for (const f of g) drop.add(f);
      }
    }
  }
  return drop.size ? fragments.filter((f) => !drop.has(f)) : fragments;
}

function buildRows(items: Item[]): Row[] {
  const sorted = [...items].sort((a, b) => b.rowBaseline - a.rowBaseline || a.x - b.x);
  const rows: Row[] = [];
  for (const it of sorted) {
    const [lo, hi] = band(it);
    const row = rows.at(-1);
    if (row) {
      const overlap = Math.min(hi, row.bandHigh) - Math.max(lo, row.bandLow);
      const minH = Math.min(hi - lo, row.bandHigh - row.bandLow);
      if (overlap > 0.5 * minH || (it.space && overlap > 0)) {
        row.items.push(it);
        if (!it.space && it.rowSize > row.anchorSize) {
          row.anchorSize = it.rowSize;
          row.bandLow = lo;
          row.bandHigh = hi;
        }
        continue;
      }
    }
    rows.push({ items: [it], bandLow: lo, bandHigh: hi, anchorSize: it.rowSize });
  }
  for (const row of rows) orderRow(row.items);
  return rows.filter((r) => r.items.some((it) => !it.space));
}

/**
 * Sorts a row's runs by x, except that scripts stacked on one base (x_j^{k+1}, [F]_a^b) keep the
 * order they were written in instead of interleaving their characters.
 */
function orderRow(items: Item[]): void {
  items.sort((a, b) => a.x - b.x);
  for (let i = 0; i < items.length;) {
    const root = items[i]!.script?.root;
    let j = i + 1;
    if (root) while (j < items.length && items[j]!.script?.root === root) j++;
    if (j - i > 1) {
      const run = items.slice(i, j).sort((a, b) => a.order - b.order);
      items.splice(i, j - i, ...run);
    }
    i = j;
  }
}

function splitRow(row: Row, rowIndex: number): Fragment[] {
  const fragments: Fragment[] = [];
  let cur: Fragment | null = null;
  for (const it of row.items) {
    if (cur) {
      const gap = it.x - cur.x1;
      const size = Math.max(it.size, cur.items.at(-1)?.size ?? it.size);
      // A space item bridges a gap only when it is a plausible word space, never a column gutter.
      if (it.space) {
        if (gap < size && it.width < 1.5 * size) {
          cur.items.push(it);
          cur.x1 = Math.max(cur.x1, it.x1);
        }
        continue;
      }
      if (gap <= size) {
        cur.items.push(it);
        cur.x1 = Math.max(cur.x1, it.x1);
        continue;
      }
    }
    if (it.space) continue;
    cur = { items: [it], row: rowIndex, x0: it.x, x1: it.x1 };
    fragments.push(cur);
  }
  for (const f of fragments) {
    while (f.items.at(-1)?.space) f.items.pop();
    f.x1 = Math.max(...f.items.map((i) => i.x1));
  }
  return fragments;
}

/** Finds a vertical gutter splitting the page into two columns, or null for a one-column page. */
function findGutter(fragments: Fragment[], width: number): number | null {
  const textual = fragments.filter((f) => f.items.some((i) => /\p{L}/u.test(i.str)));
  if (textual.length < 12) return null;
  const xs: number[] = [];
  const crossings: number[] = [];
  for (let x = Math.round(width * 0.3); x <= width * 0.7; x += 2) {
    xs.push(x);
    crossings.push(textual.filter((f) => f.x0 < x && f.x1 > x).length);
  }
  if (xs.length === 0) return null;
  const minCrossing = Math.min(...crossings);
  // The gutter is the centre of the widest band of least crossing.
  let bestStart = 0;
  let bestLen = 0;
  for (let i = 0; i < xs.length;) {
    if (crossings[i] !== minCrossing) {
      i++;
      continue;
    }
    let j = i;
    while (j < xs.length && crossings[j] === minCrossing) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const gx = (xs[bestStart]! + xs[bestStart + bestLen - 1]!) / 2;
  const best = { crossing: minCrossing };
  const left = textual.filter((f) => f.x1 <= gx);
  const right = textual.filter((f) => f.x0 >= gx);
  if (left.length < 6 || right.length < 6 || best.crossing * 2 >= left.length + right.length) return null;
  // Real columns are left-aligned: most of their lines start at the same x.
  const aligned = (fs: Fragment[]) => {
    const counts = new Map<number, number>();
    for (const f of fs) counts.set(Math.round(f.x0 / 3), (counts.get(Math.round(f.x0 / 3)) ?? 0) + 1);
    return Math.max(...counts.values()) >= 0.4 * fs.length;
  };
  return aligned(left) || aligned(right) ? gx : null;
}

function orderLines(rows: Row[], fragments: Fragment[], width: number): Line[] {
  const byRow = new Map<number, Fragment[]>();
  for (const f of fragments) {
    const list = byRow.get(f.row);
    if (list) list.push(f);
    else byRow.set(f.row, [f]);
  }
  const rowBaseline = (r: number) => {
    const main = rows[r]!.items.filter((i) => !i.space).sort((a, b) => b.size - a.size)[0];
    return main?.baseline ?? 0;
  };
  const lineOf = (fs: Fragment[], r: number): Line => ({
    items: fs.sort((a, b) => a.x0 - b.x0).flatMap((f) => f.items),
    baseline: rowBaseline(r),
  });

  const gutter = findGutter(fragments, width);
  const out: Line[] = [];
  if (gutter === null) {
    for (const [r, fs] of [...byRow.entries()].sort((a, b) => a[0] - b[0])) out.push(lineOf(fs, r));
    return out;
  }
  const tol = width * 0.02;
  let left: Line[] = [];
  let right: Line[] = [];
  const flush = () => {
    out.push(...left, ...right);
    left = [];
    right = [];
  };
  for (const [r, fs] of [...byRow.entries()].sort((a, b) => a[0] - b[0])) {
    const l: Fragment[] = [];
    const rt: Fragment[] = [];
    let spanning = false;
    for (const f of fs) {
      if (f.x1 <= gutter + tol) l.push(f);
      else if (f.x0 >= gutter - tol) rt.push(f);
      else if (f.x0 < gutter - width * 0.1 && f.x1 > gutter + width * 0.1) spanning = true;
      else if ((f.x0 + f.x1) / 2 < gutter) l.push(f);
      else rt.push(f);
    }
    if (spanning) {
      flush();
      out.push(lineOf(fs, r));
      continue;
    }
    if (l.length) left.push(lineOf(l, r));
    if (rt.length) right.push(lineOf(rt, r));
  }
  flush();
  return out;
}

const HYPHEN_END = /\p{Ll}[-\u2010]$/u;
const LOWER_START = /^\p{Ll}/u;

function assemble(lines: Line[], pageHeight: number): Omit<PageLayout, "width"> {
  const spans: TextSpan[] = [];
  const outLines: LayoutLine[] = [];
  let text = "";

  const sizes = lines.map((l) => dominantSize(l.items));
  const pitches: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const gap = lines[i - 1]!.baseline - lines[i]!.baseline;
    if (gap > 0 && Math.abs(sizes[i]! - sizes[i - 1]!) < 0.5) pitches.push(gap / sizes[i]!);
  }
  pitches.sort((a, b) => a - b);
  const pitch = pitches.length ? pitches[Math.floor(pitches.length / 2)]! : 1.2;
  // Text clearly smaller than the body's (labels inside figures, diagrams, screenshots) only runs
  // on into the next line when that line continues it in place: left-aligned below it.
  const bodySize = dominantSize(lines.flatMap((l) => l.items));
  const small = sizes.map((s) => s < 0.8 * bodySize);
  const lineX0 = lines.map((l) => Math.min(...l.items.filter((i) => !i.space).map((i) => i.x)));

  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    const size = sizes[li]!;
    let paragraphStart = false;
    let joinHyphen = false;
    if (li > 0) {
      const prev = lines[li - 1]!;
      const gap = prev.baseline - line.baseline;
      const firstChar = line.items.find((i) => !i.space)?.str.trimStart()[0] ?? "";
      // A negative gap is a column break: "guide-" at the foot of the left column, "lines" atop the right.
      // Only the end of the page text matters (a regex anchored at "$" would scan all of it).
      if (
        HYPHEN_END.test(text.slice(-2)) &&
        LOWER_START.test(firstChar) &&
        gap !== 0 &&
        gap < 2 * pitch * size
      )
        joinHyphen = true;
      else if (Math.abs(size - sizes[li - 1]!) >= 1 || (gap > 0 && gap > 1.4 * pitch * size))
        paragraphStart = true;
      else if (
        (small[li] || small[li - 1]) &&
        (gap <= 0 || Math.abs(lineX0[li]! - lineX0[li - 1]!) > 2 * size)
      )
        paragraphStart = true;
    }
    if (joinHyphen) {
      text = text.slice(0, -1);
      const last = spans.at(-1);
      if (last && last.end > text.length) last.end = text.length;
    } else if (li > 0) {
      text += paragraphStart ? "\n\n" : "\n";
    }
    const lineStart = text.length;
    const firstSpan = spans.length;
    let prev: Item | null = null;
    let pendingSpace = false;
    for (const it of line.items) {
      if (it.space) {
        pendingSpace = true;
        continue;
      }
      let piece = it.str;
      if (prev === null) piece = piece.trimStart();
      if (prev !== null) {
        const lastCh = text.at(-1);
        const firstCh = piece[0];
        const gap = it.x - prev.x1;
        const wantSpace = pendingSpace || gap > 0.15 * Math.min(it.size, prev.size);
        // CJK is written without spaces; only a wide gap (names, table cells) separates words.
        const cjk = isCjk(lastCh) || isCjk(firstCh);
        const sep = cjk ? gap > 0.8 * Math.min(it.size, prev.size) : wantSpace;
        if (sep && lastCh !== " " && firstCh !== " " && lastCh !== "\n") text += " ";
      }
      pendingSpace = false;
      const start = text.length;
      text += piece;
      if (piece.trim().length > 0) {
        spans.push({
          start,
          end: text.length,
          x: round(it.x),
          y: round(pageHeight - it.baseline - it.height),
          width: round(it.width),
          height: round(it.height),
        });
      }
      prev = it;
    }
    // Trailing spaces would break hyphen detection and line offsets. Only this line's spans can
    // reach past the trimmed end.
    let end = text.length;
    while (end > lineStart && (text[end - 1] === " " || text[end - 1] === "\t")) end--;
    if (end < text.length) {
      text = text.slice(0, end);
      for (let k = firstSpan; k < spans.length; k++) {
        const sp = spans[k]!;
        if (sp.end > end) sp.end = Math.max(sp.start, end);
      }
    }
    const real = line.items.filter((i) => !i.space);
    const maxSize = Math.max(...real.map((i) => i.size));
    const top = Math.min(...real.map((i) => pageHeight - i.baseline - i.height));
    if (joinHyphen && outLines.length > 0) {
      const merged = outLines.at(-1)!;
      merged.end = text.length;
      merged.text = text.slice(merged.start, merged.end);
      merged.x1 = Math.max(merged.x1, ...real.map((i) => i.x1));
      continue;
    }
    outLines.push({
      text: text.slice(lineStart),
      start: lineStart,
      end: text.length,
      size,
      maxSize,
      top,
      baseline: pageHeight - line.baseline,
      x0: Math.min(...real.map((i) => i.x)),
      x1: Math.max(...real.map((i) => i.x1)),
      paragraphStart,
    });
  }
  return { height: pageHeight, text, spans: spans.filter((s) => s.end > s.start), lines: outLines };
}

function dominantSize(items: Item[]): number {
  const weight = new Map<number, number>();
  for (const it of items) {
    if (it.space) continue;
    const k = Math.round(it.size * 10) / 10;
    weight.set(k, (weight.get(k) ?? 0) + it.str.length);
  }
  return heaviest(weight);
}

/** The key with the largest weight (the first one on a tie), or 0 when there is none. */
export function heaviest(weights: ReadonlyMap<number, number>): number {
  let best = 0;
  let bestW = -1;
  for (const [k, w] of weights) if (w > bestW) [best, bestW] = [k, w];
  return best;
}

const round = (n: number) => Math.round(n * 100) / 100;
