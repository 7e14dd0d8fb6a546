/** One chunk as indexed: its text plus what a hit needs to be shown and authorised. */
export interface IndexedChunk {
  chunkId: string;
  documentId: string;
  projectId: string;
  text: string;
  pageStart: number;
  pageEnd: number;
  section: string | null;
}

export interface IndexChunksOptions {
  /**
   * Resolve only once the indexed chunks are visible to search (Elasticsearch/OpenSearch:
   * `refresh=wait_for`, which waits for the next scheduled refresh instead of forcing one). For the
   * last write before a document is marked ready.
   */
  waitUntilSearchable?: boolean;
}

export interface SearchRequest {
  text: string;
  /** Only chunks of these projects (the caller's); an empty list finds nothing. */
  projectIds: string[];
  documentId?: string | undefined;
  limit: number;
  offset: number;
}

export interface SearchIndexHit {
  chunkId: string;
  documentId: string;
  projectId: string;
  pageStart: number;
  pageEnd: number;
  section: string | null;
  /** Plain text around the best match. */
  snippet: string;
  /** Matched character ranges within `snippet`. */
  highlights: { start: number; end: number }[];
  /** Higher is better. */
  score: number;
}

/** Full-text search over chunks: BM25-ranked, English and Japanese (CJK substrings found). */
export interface SearchIndex {
  /**
   * Indexes (or re-indexes, by chunkId) the chunks; reports the ones that could not be indexed, each
   * with the reason (a chunk is never dropped silently).
   */
  indexChunks(
    chunks: IndexedChunk[],
    options?: IndexChunksOptions,
  ): Promise<{ indexed: number; failed: { chunkId: string; reason: string }[] }>;
  /** Removes every chunk of the document. */
  deleteDocument(documentId: string): Promise<void>;
  /** Best hits first. */
  search(request: SearchRequest): Promise<{ hits: SearchIndexHit[] }>;
  /** Makes every write so far visible to search (a no-op where writes are immediately visible). */
  refresh(): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
