import type { Language } from "@academic-assist/sdk/contract";
import type { NoteTemplateSpec } from "../ports/note-generator.ts";

type Section = NoteTemplateSpec["sections"][number];

// Sections several templates share, written once so their instructions cannot drift apart.
const SUMMARY: Section = {
  heading: "Summary",
  instruction: "What the paper is about and what it found, in a few sentences.",
};
const KEY_POINTS: Section = { heading: "Key points", instruction: "The most important claims and findings." };
const METHODS: Section = {
  heading: "Methods",
  instruction: "How the work was done: data, participants, models, procedures.",
};
const RESULTS: Section = {
  heading: "Results",
  instruction: "The main quantitative and qualitative results.",
};
const LIMITATIONS: Section = {
  heading: "Limitations",
  instruction: "Limitations, caveats and future work the authors state.",
};

/** The templates every installation offers. Ids never change once shipped. */
export const BUILT_IN_TEMPLATES: NoteTemplateSpec[] = [
  {
    id: "summary",
    name: "Summary",
    sections: [SUMMARY, KEY_POINTS, METHODS, RESULTS, LIMITATIONS],
  },
  {
    id: "literature-note",
    name: "Literature note",
    sections: [
      SUMMARY,
      { heading: "Contributions", instruction: "What the paper contributes that is new." },
      METHODS,
      RESULTS,
      LIMITATIONS,
      { heading: "Key quotes", instruction: "Sentences worth quoting verbatim." },
    ],
  },
  {
    id: "methods-results",
    name: "Methods and results",
    description: "What was done and what came out of it, in detail.",
    sections: [
      { heading: "Research question", instruction: "The question or hypothesis the work addresses." },
      { heading: "Methods", instruction: "Data, participants, models, procedures, baselines, metrics." },
      { heading: "Results", instruction: "Every main quantitative and qualitative result, with numbers." },
      {
        heading: "Limitations",
        instruction: "Limitations of the method and threats to validity the authors state.",
      },
    ],
  },
  {
    id: "critique",
    name: "Critique",
    description: "Strengths, weaknesses and open questions, each grounded in the paper.",
    sections: [
      { heading: "Summary", instruction: "What the paper claims, in a few sentences." },
      { heading: "Strengths", instruction: "What the paper does well: evidence, rigour, novelty." },
      {
        heading: "Weaknesses",
        instruction: "Limitations, missing evidence, threats to validity (as the paper lets one see them).",
      },
      { heading: "Open questions", instruction: "What remains unanswered or is left for future work." },
    ],
  },
  {
    id: "flashcards",
    name: "Flashcards",
    description: "Question/answer pairs for spaced repetition; every answer cites its page.",
    sections: [
      {
        heading: "Flashcards",
        instruction:
          "Question/answer pairs testing the paper's key facts: its aim, method, data, results and limitations.",
        format: "qa",
      },
    ],
  },
  {
    id: "summary-ja",
    name: "日本語要約 (Japanese summary)",
    description: "A summary in Japanese; quotes stay in the paper's language.",
    language: "ja",
    sections: [SUMMARY, KEY_POINTS, METHODS, RESULTS, LIMITATIONS],
  },
];

/** The built-in template with this id, or undefined. */
export function getTemplate(id: string): NoteTemplateSpec | undefined {
  return BUILT_IN_TEMPLATES.find((t) => t.id === id);
}

/** What a section is for, whatever its heading is called. */
export type SectionKind =
  "summary" | "key-points" | "contributions" | "methods" | "results" | "limitations" | "quotes" | "other";

const KINDS: [RegExp, SectionKind][] = [
  [/summary|overview|要約|概要/i, "summary"],
  [/key points?|findings|strength|要点|長所/i, "key-points"],
  [/contribution|research question|貢献|研究課題/i, "contributions"],
  [/method|approach|手法/i, "methods"],
  [/result|結果/i, "results"],
  [/limitation|future|weakness|open question|限界|課題|短所/i, "limitations"],
  [/quote|引用/i, "quotes"],
];

const JAPANESE_BY_HEADING: Record<string, string> = {
  strengths: "長所",
  weaknesses: "短所",
  "open questions": "未解決の問い",
  "research question": "研究課題",
  flashcards: "フラッシュカード",
};

/** Classifies a template section by its heading. */
export function sectionKind(heading: string): SectionKind {
  return KINDS.find(([re]) => re.test(heading))?.[1] ?? "other";
}

const JAPANESE_HEADINGS: Record<SectionKind, string | null> = {
  summary: "要約",
  "key-points": "要点",
  contributions: "貢献",
  methods: "手法",
  results: "結果",
  limitations: "限界",
  quotes: "引用",
  other: null,
};

/** The heading shown for a template section in the note's language. */
export function localizedHeading(heading: string, language: Language): string {
  if (language !== "ja") return heading;
  return JAPANESE_BY_HEADING[heading.toLowerCase()] ?? JAPANESE_HEADINGS[sectionKind(heading)] ?? heading;
}
