import type { PageRecord } from "../domain/records.ts";
import { headingLevel } from "../extraction/sections.ts";
import { splitSentences } from "../extraction/sentences.ts";
import type {
  GenerateNoteInput,
  GeneratedNote,
  NoteEstimate,
  NoteGenerator,
  NoteSection,
  Statement,
} from "../ports/note-generator.ts";
import { localizedHeading, sectionKind, type SectionKind } from "./templates.ts";
import { contentTerms, normalizeForVerification } from "./verify.ts";

/** A sentence that may be quoted, where it is and which section of the paper it is in. */
interface Candidate {
  text: string;
  page: number;
  /** Position in the document, for ordering and ties. */
  position: number;
  /** Lower-cased heading of the paper section the sentence is in ("" before the first). */
  section: string;
  terms: string[];
  centrality: number;
}

const SKIP_SECTION =
  /^(references|bibliography|acknowledge?ments?|appendix|supplementary|author contributions|funding|competing interests|conflicts? of interest|参考文献|謝辞|付録)/i;
const FRONT_SECTION = /^(abstract|summary|概要|要旨)(?:\s*[.:：—–-]\s*|$)/i;

const CUES: Record<Exclude<SectionKind, "other">, { sections: RegExp; words: RegExp }> = {
  summary: {
    sections: /^(abstract|summary|introduction|conclusions?|概要|要旨|はじめに|序論|おわりに|まとめ|結論)/i,
    words:
      /\b(this (paper|study|work|article)|we (present|propose|introduce|describe|show|investigate|examine|study)|our (results|findings)|in this paper)\b|本研究|本稿|本論文|本発表/i,
  },
  "key-points": {
    sections: /^(abstract|conclusions?|discussion|results|結論|まとめ|おわりに|考察)/i,
    words:
      /\b(we (show|find|found|demonstrate|propose|present|introduce)|our results|results (show|indicate|suggest)|this (shows|suggests)|significant(ly)?|key|main)\b|示した|明らか/i,
  },
  contributions: {
    sections: /^(abstract|introduction|contributions?|はじめに|序論)/i,
    words:
      /\b(we (propose|introduce|present|release|develop|describe)|our contributions?|contributions? (of|are|is)|novel|first to|new (method|approach|dataset|framework|corpus|toolkit))\b|提案|新た/i,
  },
  methods: {
    sections:
      /(method|approach|materials|experiment|setup|data|implementation|procedure|design|participants|model|algorithm|framework|手法|提案|実装|アルゴリズム|実験)/i,
    words:
      /\b(we (use|used|train|trained|collect|collected|apply|applied|compute|computed|propose|design|designed|implement|implemented|recruit|recruited|conduct|conducted)|was (used|performed|conducted|measured)|were (used|performed|conducted|measured|recruited)|using|dataset|participants|procedure|algorithm|trained|annotat)\b|用い|手法|実装|適用/i,
  },
  results: {
    sections: /(result|evaluation|experiment|findings|discussion|analysis|performance|結果|評価|実験|考察)/i,
    words:
      /\b(results?|accuracy|outperform\w*|significant(ly)?|improv\w*|increase[sd]?|decrease[sd]?|higher|lower|achiev\w*|F1|BLEU|p\s*[<=]|odds ratio|hazard ratio|CI)\b|%|結果|精度|向上|改善|得られ/i,
  },
  limitations: {
    sections: /(limitation|discussion|conclusion|future|限界|課題|おわりに|まとめ|考察)/i,
    words:
      /\b(limitation\w*|future (work|research|studies)|however|drawback\w*|limited|cannot|could not|did not|unable|weakness\w*|shortcoming\w*|remains? (unclear|open|to be)|caution|bias)\b|課題|今後|限界|ただし|しかし/i,
  },
  quotes: {
    sections: /^(abstract|conclusions?|introduction|discussion|概要|結論|おわりに|まとめ)/i,
    words: /\b(we (argue|show|find|propose|conclude)|in conclusion|overall|our results)\b|本研究|本稿/i,
  },
};

const PICK: Record<SectionKind, number> = {
  summary: 3,
  "key-points": 5,
  contributions: 3,
  methods: 3,
  results: 3,
  limitations: 2,
  quotes: 2,
  other: 3,
};

const FLASHCARDS = 8;

function flashcardQuestion(section: string, language: GenerateNoteInput["language"]): string {
  const topic = section.replace(/^[\divx.]+\s*/i, "").trim();
  if (language === "ja")
    return topic ? `「${topic}」について論文は何と述べているか？` : "論文は何と述べているか？";
  return topic ? `What does the paper say about ${topic}?` : "What does the paper state here?";
}

/**
 * The offline note generator: quotes the paper. Every statement is a sentence of one page, chosen
 * by TF-IDF centrality plus cues of the note section (paper section names and phrases such as
 * "we propose" or "outperforms"), in document order, never repeated. A custom template's prompt
 * (and the instruction of a section whose heading is of no known kind) adds a preference for
 * sentences sharing its words; every statement stays a verbatim sentence of its page, so its
 * citation verifies whatever the prompt says. Deterministic: the same pages always give the same note.
 */
export class ExtractiveNoteGenerator implements NoteGenerator {
  readonly provider = "extractive";
  readonly model = "extractive-v1";

  /** Offline: no calls, no tokens. */
  estimate(): NoteEstimate {
    return { calls: 0, inputTokens: 0, outputTokens: 0 };
  }

  async generate(input: GenerateNoteInput): Promise<GeneratedNote> {
    input.signal?.throwIfAborted();
    const candidates = collectCandidates(input.pages);
    const used = new Set<number>();
    const sections: NoteSection[] = input.template.sections.map((spec) => {
      const kind = sectionKind(spec.heading);
      if (spec.format === "qa") {
        // Flashcards: a question about the paper section a central sentence comes from, the sentence as answer.
        const cards = pick(candidates, "key-points", FLASHCARDS, used);
        const statements: Statement[] = cards.map((c) => ({
          text: c.text,
          page: c.page,
          verbatim: true,
          question: flashcardQuestion(c.section, input.language),
        }));
        return { heading: localizedHeading(spec.heading, input.language), statements };
      }
      const chosen = pick(candidates, kind, PICK[kind], used, focusTerms(input.template, spec, kind));
      const statements: Statement[] = chosen.map((c) => ({ text: c.text, page: c.page, verbatim: true }));
      return { heading: localizedHeading(spec.heading, input.language), statements };
    });
    return {
      sections,
      provider: this.provider,
      model: this.model,
      usage: { inputTokens: 0, outputTokens: 0 },
    };
  }
}

function isQuotable(s: string): boolean {
  const cjk = (s.match(/[\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF]/gu) ?? []).length;
  const len = Array.from(s).length;
  const [min, max] = cjk > len / 3 ? [15, 220] : [40, 400];
  if (len < min || len > max) return false;
  // A sentence, not the tail of one cut by a column or page break.
  if (!/[.!?。！？]["'’”)]?$/u.test(s) || !/^[\p{Lu}\p{Lo}\d"'“‘(]/u.test(s)) return false;
  if (/https?:|www\.|@|©|\bdoi\b|^\s*(fig(ure)?|table|tab)\.?\s*\d/i.test(s)) return false;
  if ((s.match(/et al\./g) ?? []).length >= 2) return false;
  const letters = (s.match(/\p{L}/gu) ?? []).length;
  const digits = (s.match(/\d/g) ?? []).length;
  if (letters < len * 0.55 || digits > letters * 0.3) return false;
  // Broken extraction (letters spaced out, math) rather than prose.
  const words = s.split(/\s+/);
  if (cjk === 0 && words.filter((w) => w.length === 1).length > words.length * 0.3) return false;
  if (cjk === 0 && looksLikeLayoutDebris(s, words)) return false;
  return true;
}

/**
 * A safety net behind layout analysis: text that reads like pieces of the page put together
 * rather than a sentence of the paper.
 */
function looksLikeLayoutDebris(s: string, words: string[]): boolean {
  // A stray label glued to a word: "such asC worker".
  if (/(?<![\p{L}\p{N}])\p{Ll}{2,}\p{Lu}(?![\p{L}\p{N}])/u.test(s)) return true;
  // Mostly figure or table labels: capitalised tags, numbers and codes rather than words.
  const labels = words.filter((w) => /^[\p{Lu}\d][\p{Lu}\d\-–.:/%()]*$/u.test(w.replace(/[,;.:!?]+$/u, "")));
  return words.length >= 6 && labels.length > words.length * 0.5;
}

function collectCandidates(pages: readonly PageRecord[]): Candidate[] {
  const out: Candidate[] = [];
  let section = "";
  let skipping = false;
  for (const page of [...pages].sort((a, b) => a.number - b.number)) {
    for (const para of page.text.split(/\n[ \t]*\n/)) {
      const lines = para.split("\n").filter((l) => l.trim());
      const first = lines[0];
      if (first === undefined) continue;
      let body = lines;
      if (headingLevel(first, { allowTitleCase: false }) !== null || FRONT_SECTION.test(first.trim())) {
        section = first
          .trim()
          .replace(/^[\d.]+\s*/, "")
          .toLowerCase();
        skipping = SKIP_SECTION.test(section);
        body = lines.slice(1);
        // "Abstract. We present…": the heading runs into the paragraph.
        if (FRONT_SECTION.test(first.trim()) && first.trim().length > 12)
          body = [first.trim().replace(FRONT_SECTION, ""), ...lines.slice(1)];
      }
      // Before the first heading on page 1 sit the title, authors and affiliations.
      if (skipping || (section === "" && page.number === 1)) continue;
      for (const piece of splitAtStrayNumbers(body)) {
        for (const sentence of splitSentences(normalizeForVerification(piece))) {
          if (!isQuotable(sentence)) continue;
          out.push({
            text: sentence,
            page: page.number,
            position: out.length,
            section,
            terms: contentTerms(sentence),
            centrality: 0,
          });
        }
      }
    }
  }
  scoreCentrality(out);
  return out;
}

/**
 * A line that is nothing but a number (a page or line number the layout could not place) is not
 * part of the sentences around it: the text is cut there and the number dropped, so that no
 * sentence reads "1651 lines on two…". What it cuts off is a fragment and is not quoted.
 */
function splitAtStrayNumbers(lines: string[]): string[] {
  const pieces: string[][] = [[]];
  for (const line of lines) {
    if (/^\s*\d{1,5}\s*$/.test(line)) pieces.push([]);
    else pieces.at(-1)!.push(line);
  }
  return pieces.filter((p) => p.length > 0).map((p) => p.join("\n"));
}

function scoreCentrality(cands: Candidate[]): void {
  const df = new Map<string, number>();
  for (const c of cands) for (const t of new Set(c.terms)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = cands.length;
  const vectors = cands.map((c) => {
    const tf = new Map<string, number>();
    for (const t of c.terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    const v = new Map<string, number>();
    for (const [t, f] of tf) v.set(t, f * Math.log(1 + n / (df.get(t) ?? 1)));
    return v;
  });
  const centroid = new Map<string, number>();
  for (const v of vectors) for (const [t, w] of v) centroid.set(t, (centroid.get(t) ?? 0) + w);
  const norm = (v: Map<string, number>) => Math.sqrt([...v.values()].reduce((s, w) => s + w * w, 0)) || 1;
  const cn = norm(centroid);
  vectors.forEach((v, i) => {
    let dot = 0;
    for (const [t, w] of v) dot += w * (centroid.get(t) ?? 0);
    cands[i]!.centrality = dot / (norm(v) * cn);
  });
}

/**
 * Words the template asks the section to be about: a custom template's prompt, and the section's
 * own instruction when its heading is of no known kind (then the instruction is the only cue).
 * Built-in templates have neither, so their notes do not change.
 */
function focusTerms(
  template: GenerateNoteInput["template"],
  spec: GenerateNoteInput["template"]["sections"][number],
  kind: SectionKind,
): Set<string> {
  const text = [template.prompt ?? "", kind === "other" && template.skeleton ? spec.instruction : ""].join(
    " ",
  );
  return new Set(contentTerms(text));
}

function pick(
  cands: Candidate[],
  kind: SectionKind,
  count: number,
  used: Set<number>,
  focus: ReadonlySet<string> = new Set(),
): Candidate[] {
  const cue = kind === "other" ? null : CUES[kind];
  const scored = cands
    .filter((c) => !used.has(c.position))
    .map((c) => {
      let score = c.centrality;
      if (cue) {
        if (cue.sections.test(c.section)) score += 0.35;
        if (cue.words.test(c.text)) score += 0.3;
      }
      // A custom template's focus: up to +0.4 for sentences holding its words.
      if (focus.size > 0) score += 0.2 * Math.min(2, c.terms.filter((t) => focus.has(t)).length);
      // Opening sentences summarise; a gentle preference for them in summary sections.
      if (kind === "summary") score += 0.1 * Math.max(0, 1 - c.position / Math.max(cands.length, 1));
      return { c, score };
    })
    .sort((a, b) => b.score - a.score || a.c.position - b.c.position);
  const chosen: Candidate[] = [];
  for (const { c } of scored) {
    if (chosen.length >= count) break;
    // Near-duplicates (repeated abstract sentences in the introduction) add nothing.
    if (chosen.some((o) => jaccard(o.terms, c.terms) > 0.6)) continue;
    chosen.push(c);
    used.add(c.position);
  }
  return chosen.sort((a, b) => a.position - b.position);
}

function jaccard(a: string[], b: string[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  const inter = Array.from(sa).filter((x) => sb.has(x)).length;
  return inter / (sa.size + sb.size - inter || 1);
}
