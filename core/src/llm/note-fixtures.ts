import type { ChunkRecord, DocumentRecord, PageRecord } from "../domain/records.ts";
import { chunkPages } from "../extraction/chunk-pages.ts";

/** Test fixtures: a ready document record around pages, and its chunks as the pipeline makes them. */
export function documentOf(
  id: string,
  pages: PageRecord[],
  title: string | null = "A test paper",
): DocumentRecord {
  return {
    id,
    projectId: "prj_1",
    filename: "paper.pdf",
    mediaType: "application/pdf",
    byteSize: 1,
    sha256: "ab".repeat(32),
    blobKey: `blobs/${id}`,
    status: "ready",
    progress: null,
    error: null,
    pageCount: pages.length,
    metadata: { title, authors: [], year: null, doi: null, abstract: null, language: "en", keywords: [] },
    createdBy: "usr_1",
    createdAt: "2024-01-01T00:00:00.000Z",
    updatedAt: "2024-01-01T00:00:00.000Z",
  };
}

export function chunksOf(documentId: string, pages: PageRecord[]): ChunkRecord[] {
  return chunkPages(pages).map((c) => ({
    ...c,
    id: `${documentId}_c${c.ordinal}`,
    documentId,
    projectId: "prj_1",
  }));
}
