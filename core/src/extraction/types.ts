import type { DocumentMetadata, TextSpan } from "@academic-assist/sdk/contract";

/** The text of one page in reading order, and where each run of it was printed. */
export interface ExtractedPage {
  /** 1-based page number. */
  number: number;
  /** Page size in PDF user-space units (points). */
  width: number;
  height: number;
  /** Lines separated by "\n", paragraphs by a blank line. */
  text: string;
  /** Offsets in `text` mapped to boxes (origin top-left). */
  spans: TextSpan[];
  /** "ocr" when the text came from recognising an image of the page. */
  source: "text" | "ocr";
}

/** The result of extracting a PDF: every page's text plus the bibliographic metadata found on it. */
export interface ExtractedDocument {
  pageCount: number;
  pages: ExtractedPage[];
  metadata: DocumentMetadata;
}

/** A line of a laid-out page, with the typography metadata detection needs. */
export interface LayoutLine {
  text: string;
  /** Offsets of the line in the page text. */
  start: number;
  end: number;
  /** Dominant font size (by characters). */
  size: number;
  /** Largest font size on the line. */
  maxSize: number;
  /** Top of the line, origin top-left. */
  top: number;
  /** Baseline, origin top-left. */
  baseline: number;
  x0: number;
  x1: number;
  /** True when a blank line (paragraph break) precedes this line. */
  paragraphStart: boolean;
}

/** A page after layout: the text, its spans and its lines. */
export interface PageLayout {
  width: number;
  height: number;
  text: string;
  spans: TextSpan[];
  lines: LayoutLine[];
}
