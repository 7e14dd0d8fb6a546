import { endpoints, SearchResults } from "../contract/index.ts";
import type { RequestOptions } from "../core/api-client.ts";
import { APIResource } from "../core/resource.ts";

export interface SearchQueryParams {
  /** The query: words, `"a phrase"`; English and Japanese alike. */
  q: string;
  /** Only this project's documents; without it, every project you can read. */
  projectId?: string | undefined;
  /** Only this document. */
  documentId?: string | undefined;
  /** Hits per page, 1–50 (default 10). */
  limit?: number | undefined;
  /** A previous answer's `nextCursor`, for the next hits. */
  cursor?: string | undefined;
}

/** Full-text search over the documents you can read. */
export class Search extends APIResource {
  /**
   * Hits for `q`, best first, each with its pages and a snippet whose `highlights` mark the matches.
   * Without `projectId`, searches every project you are a member of.
   */
  query(params: SearchQueryParams, options?: RequestOptions): Promise<SearchResults> {
    return this._client.request(
      { endpoint: endpoints["search.query"], query: { ...params }, options },
      SearchResults,
    );
  }
}
