import type { Language } from "@academic-assist/sdk/contract";
import type { NoteTemplateSpec } from "../ports/note-generator.ts";

/** The templates every installation offers. Ids never change once shipped. */
export const BUILT_IN_TEMPLATES: NoteTemplateSpec[] = [
  {
    id: "summary",
    name: "Summary",
    sections: [
      { heading: "Summary", instruction: "What the paper is about and what it found, in a few sentences." },
      { heading: "Key points", instruction: "The most important claims and findings." },
      { heading: "Methods", instruction: "How the work was done: data, participants, models, procedures." },
      { heading: "Results", instruction: "The main quantitative and qualitative results." },
      { heading: "Limitations", instruction: "Limitations, caveats and future work the authors state." },
    ],
  },
  {
    id: "literature-note",
    name: "Literature note",
    sections: [
      { heading: "Summary", instruction: "What the paper is about and what it found, in a few sentences." },
      { heading: "Contributions", instruction: "What the paper contributes that is new." },
      { heading: "Methods", instruction: "How the work was done: data, participants, models, procedures." },
      { heading: "Results", instruction: "The main quantitative and qualitative results." },
      { heading: "Limitations", instruction: "Limitations, caveats and future work the authors state." },
      { heading: "Key quotes", instruction: "Sentences worth quoting verbatim." },
    ],
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
  [/key points?|findings|要点/i, "key-points"],
  [/contribution|貢献/i, "contributions"],
  [/method|approach|手法/i, "methods"],
  [/result|結果/i, "results"],
  [/limitation|future|限界|課題/i, "limitations"],
  [/quote|引用/i, "quotes"],
];

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
  return JAPANESE_HEADINGS[sectionKind(heading)] ?? heading;
}
