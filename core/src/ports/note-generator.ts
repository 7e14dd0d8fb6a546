import type { Language } from "@academic-assist/sdk/contract";
import type { ChunkRecord, DocumentRecord, PageRecord } from "../domain/records.ts";

/** A statement of a generated note and the page it claims to come from. */
export interface Statement {
  text: string;
  /** 1-based page number the statement cites. */
  page: number;
  /** True when `text` is quoted verbatim from the page (then it must occur there exactly). */
  verbatim: boolean;
  /**
   * The passage of the page the statement rests on, copied exactly (LLM notes). When present it
   * must occur on the cited page, and a paraphrase in the page's language must also overlap it.
   */
  quote?: string | undefined;
  /** For question/answer sections (flashcards): the question; `text` is then the answer. */
  question?: string | undefined;
}

export interface NoteSection {
  heading: string;
  statements: Statement[];
}

export interface NoteTemplateSpec {
  id: string;
  name: string;
  /** One line shown in template lists. */
  description?: string | undefined;
  /** The language the note is written in unless the request says otherwise. */
  language?: Language | undefined;
  /**
   * The sections the note should have, in order. `format: "qa"` sections hold question/answer
   * pairs (flashcards) instead of plain statements.
   */
  sections: { heading: string; instruction: string; format?: "statements" | "qa" | undefined }[];
  /**
   * A custom template's instructions. An LLM generator adds them to its system prompt, below the
   * rules they cannot change; the extractive generator prefers sentences sharing their words.
   */
  prompt?: string | undefined;
  /** A custom template's Markdown skeleton; `renderNote` lays the note out with it. */
  skeleton?: string | undefined;
  /** Changes whenever a custom template's text does: part of the note cache key. */
  fingerprint?: string | undefined;
}

export interface GenerateNoteInput {
  document: DocumentRecord;
  pages: PageRecord[];
  chunks: ChunkRecord[];
  template: NoteTemplateSpec;
  language: Language;
  signal?: AbortSignal;
}

export interface GeneratedNote {
  sections: NoteSection[];
  provider: string;
  model: string;
  usage: { inputTokens: number; outputTokens: number };
  /** What the usage cost in USD, when the model's price is known (0 offline, null unknown). */
  costUsd?: number | null | undefined;
}

/** Writes the content of a note from a processed document (offline extractive, or an LLM). */
export interface NoteGenerator {
  readonly provider: string;
  readonly model: string;
  generate(input: GenerateNoteInput): Promise<GeneratedNote>;
  /**
   * What `generate` would send and receive, before it runs: prompt tokens exactly as the calls
   * would be built (same batching), counted with `estimateTokens`; output tokens as the expected
   * ceiling per call. Offline generators answer 0.
   */
  estimate(input: Omit<GenerateNoteInput, "signal">): NoteEstimate;
}

export interface NoteEstimate {
  /** Provider calls `generate` would make. */
  calls: number;
  inputTokens: number;
  outputTokens: number;
}
