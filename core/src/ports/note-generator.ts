import type { Language } from "@academic-assist/sdk/contract";
import type { ChunkRecord, DocumentRecord, PageRecord } from "../domain/records.ts";

/** A statement of a generated note and the page it claims to come from. */
export interface Statement {
  text: string;
  /** 1-based page number the statement cites. */
  page: number;
  /** True when `text` is quoted verbatim from the page (then it must occur there exactly). */
  verbatim: boolean;
}

export interface NoteSection {
  heading: string;
  statements: Statement[];
}

export interface NoteTemplateSpec {
  id: string;
  name: string;
  /** The sections the note should have, in order. */
  sections: { heading: string; instruction: string }[];
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
}

/** Writes the content of a note from a processed document (offline extractive, or an LLM). */
export interface NoteGenerator {
  readonly provider: string;
  readonly model: string;
  generate(input: GenerateNoteInput): Promise<GeneratedNote>;
}
