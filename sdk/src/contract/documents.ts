import { z } from "zod";
import { Id, PageParams, Timestamp } from "./common.ts";
import { Job, JobError, Progress } from "./jobs.ts";

export const DocumentStatus = z.enum(["queued", "processing", "indexing", "ready", "failed"]);
export type DocumentStatus = z.infer<typeof DocumentStatus>;

/** Media types the server accepts; the bytes are sniffed, the declared type is not trusted. */
export const MediaType = z.enum(["application/pdf", "image/png", "image/jpeg", "image/tiff"]);
export type MediaType = z.infer<typeof MediaType>;

/** One entry of a document's reference list, as printed and as parsed (null where not found). */
export const Reference = z
  .object({
    /** The entry's text as printed, numbering included, on one line. */
    raw: z.string(),
    authors: z.array(z.string()),
    title: z.string().nullable(),
    year: z.number().int().nullable(),
    venue: z.string().nullable(),
    doi: z.string().nullable(),
  })
  .meta({ id: "Reference" });
export type Reference = z.infer<typeof Reference>;

/** A heading of the document and the headings nested under it, in reading order. */
export const DocumentSection = z
  .object({
    /** The heading as printed, without its number. */
    title: z.string(),
    /** "3.2", "1" (from "第1章"); null for unnumbered headings ("Abstract", "References"). */
    number: z.string().nullable(),
    /** 1 for top-level sections, 2 for their subsections, and so on. */
    level: z.number().int().min(1),
    /** The 1-based page the heading is printed on. */
    page: z.number().int().min(1),
    get children(): z.ZodArray<typeof DocumentSection> {
      return z.array(DocumentSection);
    },
  })
  .meta({ id: "DocumentSection" });
export type DocumentSection = z.infer<typeof DocumentSection>;

/** A figure or table caption as printed ("Figure 2: …", "Table 1. …", "図3 …"). */
export const Caption = z
  .object({
    kind: z.enum(["figure", "table"]),
    /** The label's number as printed: "2", "S1", "A.3". */
    label: z.string(),
    /** The whole caption paragraph, label included, on one line. */
    text: z.string(),
    /** The 1-based page the caption is printed on. */
    page: z.number().int().min(1),
  })
  .meta({ id: "Caption" });
export type Caption = z.infer<typeof Caption>;

export const DocumentMetadata = z
  .object({
    title: z.string().nullable(),
    authors: z.array(z.string()),
    abstract: z.string().nullable(),
    doi: z.string().nullable(),
    year: z.number().int().nullable(),
    language: z.string().nullable(),
    /** The reference list in order; absent on documents extracted before it was split. */
    references: z.array(Reference).optional(),
    // The fields below are absent on documents extracted before they were found.
    /** Keywords as printed after "Keywords", "Index Terms", "キーワード" (empty when none). */
    keywords: z.array(z.string()).optional(),
    /** The arXiv identifier with its version when printed ("2203.00130v1", "hep-th/9901001"). */
    arxivId: z.string().nullable().optional(),
    /** Where the work was published, as printed ("Proceedings of the 52nd Annual Meeting of …"). */
    venue: z.string().nullable().optional(),
    /** The section headings as a tree. */
    sections: z.array(DocumentSection).optional(),
    /** Figure and table captions in reading order. */
    captions: z.array(Caption).optional(),
  })
  .meta({ id: "DocumentMetadata" });
export type DocumentMetadata = z.infer<typeof DocumentMetadata>;

export const Document = z
  .object({
    id: Id,
    projectId: Id,
    /** The uploaded file's name, for display only: never used to build a path. */
    filename: z.string(),
    mediaType: MediaType,
    byteSize: z.number().int(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    status: DocumentStatus,
    progress: Progress.nullable(),
    error: JobError.nullable(),
    pageCount: z.number().int().nullable(),
    metadata: DocumentMetadata,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Document" });
export type Document = z.infer<typeof Document>;

export const DocumentUploadQuery = z.object({
  /** The file's name, for display; multipart uploads take it from the part instead. */
  filename: z.string().trim().min(1).max(255).optional(),
});
export const DocumentUploadParams = z.object({ projectId: Id }).extend(DocumentUploadQuery.shape);
export type DocumentUploadParams = z.infer<typeof DocumentUploadParams>;

/** 202 (new, processing queued) or 200 (same bytes already in this project: `duplicate: true`). */
export const DocumentUploadResult = z
  .object({ document: Document, job: Job.nullable(), duplicate: z.boolean() })
  .meta({ id: "DocumentUploadResult" });
export type DocumentUploadResult = z.infer<typeof DocumentUploadResult>;

export const DocumentIdParams = z.object({ documentId: Id });
export const DocumentListQuery = PageParams.extend({ status: DocumentStatus.optional() });
export type DocumentListParams = z.input<typeof DocumentListQuery>;

/** A run of text on a page and the box it was printed in (PDF user-space units, origin top-left). */
export const TextSpan = z
  .object({
    /** Offset of the span's first character in the page's `text`. */
    start: z.number().int(),
    end: z.number().int(),
    x: z.number(),
    y: z.number(),
    width: z.number(),
    height: z.number(),
  })
  .meta({ id: "TextSpan" });
export type TextSpan = z.infer<typeof TextSpan>;

export const DocumentPage = z
  .object({
    number: z.number().int().min(1),
    width: z.number(),
    height: z.number(),
    text: z.string(),
    /** How the text was obtained: the PDF's text layer, or OCR. */
    source: z.enum(["text", "ocr"]),
    spans: z.array(TextSpan),
  })
  .meta({ id: "DocumentPage" });
export type DocumentPage = z.infer<typeof DocumentPage>;

export const DocumentPagesQuery = z.object({
  from: z.coerce.number<number>().int().min(1).default(1),
  to: z.coerce.number<number>().int().min(1).optional(),
  spans: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
});
export type DocumentPagesParams = z.input<typeof DocumentPagesQuery>;
export const DocumentPages = z.object({ items: z.array(DocumentPage) }).meta({ id: "DocumentPages" });
