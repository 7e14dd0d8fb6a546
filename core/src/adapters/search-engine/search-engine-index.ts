import { randomBytes } from "node:crypto";
import { AppError, unavailable } from "../../errors/app-error.ts";
import type {
  IndexChunksOptions,
  IndexedChunk,
  SearchIndex,
  SearchIndexHit,
  SearchRequest,
} from "../../ports/search-index.ts";
import type { BulkItemResult, DriverFailure, SearchEngineDriver } from "./search-engine-driver.ts";
import {
  MAPPING_VERSION,
  detectAnalysis,
  indexDefinition,
  type IndexSizing,
} from "./search-engine-mapping.ts";
import {
  highlightTags,
  parseQuery,
  searchBody,
  toHit,
  type EngineHit,
  type HighlightTags,
} from "./search-engine-query.ts";

/** Options shared by the Elasticsearch and OpenSearch adapters. */
export interface SearchEngineIndexOptions extends IndexSizing {
  /**
   * Prefix of the index name (`<prefix>chunks-v<mapping version>`); default `academic-assist-`.
   * Tests use a fresh prefix each so that they never share an index.
   */
  indexPrefix?: string | undefined;
  /** Retries of bulk items the cluster rejected with 429 (its write queue was full); default 5. */
  bulkRetries?: number | undefined;
  /** First retry delay in ms, doubled per retry, with jitter (default 200; capped at 10 s). */
  bulkRetryDelayMs?: number | undefined;
  /** Most chunks per `_bulk` request (default 500). */
  bulkBatchSize?: number | undefined;
}

export type IndexChunksResult = Awaited<ReturnType<SearchIndex["indexChunks"]>>;

const MAX_RETRY_DELAY_MS = 10_000;
/** Elasticsearch's limit on `_id` length, in UTF-8 bytes. */
const MAX_ID_BYTES = 512;

/** True when the server has no such API (a module it lacks): "no handler found for uri …". */
const lacksEndpoint = (failure: DriverFailure): boolean =>
  failure.status === 405 || (failure.status === 400 && /no handler found/i.test(failure.reason));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function itemReason(item: BulkItemResult): string {
  const error = item.error;
  if (!error) return `HTTP ${item.status}`;
  const cause = error.caused_by?.reason ? ` (${error.caused_by.reason})` : "";
  return `${error.type ?? "error"}: ${error.reason ?? "no reason given"}${cause}`;
}

/**
 * The {@link SearchIndex} on Elasticsearch 8 or OpenSearch, over a {@link SearchEngineDriver}. Chunks
 * are documents of one index (id = chunk id); see search-engine-mapping.ts for the analysis and
 * search-engine-query.ts for the queries. The index is created on first use, with the analysis the
 * cluster offers (see README.md).
 */
export class SearchEngineIndex implements SearchIndex {
  /** The index holding the chunks. */
  readonly index: string;
  private readonly tags: HighlightTags = highlightTags(randomBytes(6).toString("hex"));
  private ready: Promise<void> | null = null;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly driver: SearchEngineDriver,
    private readonly options: SearchEngineIndexOptions = {},
  ) {
    this.index = `${options.indexPrefix ?? "academic-assist-"}chunks-v${MAPPING_VERSION}`;
    this.retries = options.bulkRetries ?? 5;
    this.retryDelayMs = options.bulkRetryDelayMs ?? 200;
    this.batchSize = options.bulkBatchSize ?? 500;
  }

  /** Runs a driver call, translating its failures into AppErrors (unreachable → `service_unavailable`). */
  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.toAppError(what, error);
    }
  }

  private toAppError(what: string, error: unknown): AppError {
    if (error instanceof AppError) return error;
    const failure = this.driver.describe(error);
    if (failure.connection || (failure.status !== undefined && [429, 502, 503, 504].includes(failure.status)))
      return unavailable(`The search index (${this.driver.engine})`, error);
    return new AppError("internal", `${this.driver.engine} ${what} failed: ${failure.reason}`, {
      cause: error,
    });
  }

  /** Creates the index if it does not exist yet (once per instance; retried after a failure). */
  ensureIndex(): Promise<void> {
    this.ready ??= this.createIfAbsent().catch((error: unknown) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  private async createIfAbsent(): Promise<void> {
    if (await this.call("index check", () => this.driver.indexExists(this.index))) return;
    const analysis = await detectAnalysis(async (body) => {
      try {
        await this.driver.analyze(body);
        return true;
      } catch (error) {
        if (this.driver.describe(error).status === 400) return false;
        throw this.toAppError("analysis check", error);
      }
    });
    if (!analysis) {
      throw new AppError(
        "internal",
        `${this.driver.engine} lacks the analysis-common components (cjk_bigram, cjk_width, asciifolding, porter_stem) the search index needs; every standard distribution ships them.`,
        { unrecoverable: true },
      );
    }
    try {
      await this.driver.createIndex(this.index, indexDefinition(analysis, this.options));
    } catch (error) {
      // Another process created it first: fine.
      if (this.driver.describe(error).type !== "resource_already_exists_exception")
        throw this.toAppError("index creation", error);
    }
  }

  /**
   * Indexes the chunks with `_bulk` (id = chunkId, so re-indexing replaces). Every item's result is
   * checked: items the cluster rejected with 429 are retried with exponential backoff; every other
   * failed item, and any still rejected after the retries, is reported in `failed` with the engine's
   * reason. With `waitUntilSearchable`, resolves once the chunks are visible (`refresh=wait_for`).
   */
  async indexChunks(chunks: IndexedChunk[], options: IndexChunksOptions = {}): Promise<IndexChunksResult> {
    await this.ensureIndex();
    const failed: IndexChunksResult["failed"] = [];
    const valid: IndexedChunk[] = [];
    for (const chunk of chunks) {
      // Only what would break the whole request is checked here; the mapping judges the rest, per item.
      const id: unknown = chunk.chunkId;
      if (typeof id !== "string" || id === "" || Buffer.byteLength(id) > MAX_ID_BYTES)
        failed.push({ chunkId: typeof id === "string" ? id : "", reason: "chunkId is missing or too long" });
      else valid.push(chunk);
    }
    let indexed = 0;
    for (let i = 0; i < valid.length; i += this.batchSize) {
      const result = await this.bulkWithRetries(
        valid.slice(i, i + this.batchSize),
        options.waitUntilSearchable === true,
      );
      indexed += result.indexed;
      failed.push(...result.failed);
    }
    return { indexed, failed };
  }

  private async bulkWithRetries(batch: IndexedChunk[], waitForRefresh: boolean): Promise<IndexChunksResult> {
    const failed: IndexChunksResult["failed"] = [];
    let indexed = 0;
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(this.backoff(attempt));
      const operations = pending.flatMap((c) => [
        { index: { _id: c.chunkId } },
        {
          chunkId: c.chunkId,
          documentId: c.documentId,
          projectId: c.projectId,
          text: c.text,
          pageStart: c.pageStart,
          pageEnd: c.pageEnd,
          section: c.section,
        },
      ]);
      let items: (BulkItemResult | undefined)[];
      try {
        const response = await this.driver.bulk(this.index, operations, waitForRefresh);
        items = response.items.map((item) => Object.values(item)[0]);
      } catch (error) {
        // The whole request was rejected for load: retry all of it like rejected items.
        if (this.driver.describe(error).status === 429 && attempt < this.retries) continue;
        throw this.toAppError("bulk indexing", error);
      }
      const rejected: IndexedChunk[] = [];
      pending.forEach((chunk, k) => {
        const item = items[k];
        if (item && item.status >= 200 && item.status < 300 && !item.error) indexed++;
        else if (item?.status === 429 && attempt < this.retries) rejected.push(chunk);
        else
          failed.push({
            chunkId: chunk.chunkId,
            reason: item
              ? item.status === 429
                ? `still rejected after ${this.retries} retries: ${itemReason(item)}`
                : itemReason(item)
              : `no result for this item in the ${this.driver.engine} bulk response`,
          });
      });
      pending = rejected;
    }
    return { indexed, failed };
  }

  /** Exponential backoff with full jitter: a random delay up to base × 2^(attempt−1), capped. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(MAX_RETRY_DELAY_MS, this.retryDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  /** Removes every chunk of the document (`_delete_by_query`), visible to search when it resolves. */
  async deleteDocument(documentId: string): Promise<void> {
    await this.ensureIndex();
    // delete_by_query only sees what a search sees: make recent writes visible first.
    await this.call("refresh", () => this.driver.refresh(this.index));
    const query = { term: { documentId } };
    try {
      await this.driver.deleteByQuery(this.index, query);
    } catch (error) {
      if (!lacksEndpoint(this.driver.describe(error))) throw this.toAppError("delete", error);
      await this.deleteMatching(query);
    }
  }

  /**
   * `_delete_by_query` done by hand, for a cluster without the reindex module that provides it (every
   * standard distribution has it; the Elasticsearch test server from Maven Central does not): find the
   * ids, bulk-delete them, until none are left.
   */
  private async deleteMatching(query: Record<string, unknown>): Promise<void> {
    for (;;) {
      const response = await this.call("delete", () =>
        this.driver.search(this.index, { query: { bool: { filter: [query] } }, size: 1000, _source: false }),
      );
      const ids = response.hits.hits.map((hit) => (hit as EngineHit)._id).filter((id) => id !== undefined);
      if (ids.length === 0) return;
      const result = await this.call("delete", () =>
        this.driver.bulk(
          this.index,
          ids.map((id) => ({ delete: { _id: id } })),
          true,
        ),
      );
      const failure = result.items
        .map((item) => Object.values(item)[0])
        .find((i) => i && i.status >= 300 && i.status !== 404);
      if (failure)
        throw new AppError("internal", `${this.driver.engine} delete failed: ${itemReason(failure)}`);
    }
  }

  /** BM25-ranked hits among the given projects (and document), snippets cut around the highlighter's matches. */
  async search(request: SearchRequest): Promise<{ hits: SearchIndexHit[] }> {
    const terms = parseQuery(typeof request.text === "string" ? request.text : "");
    const body = searchBody(request, terms, this.tags);
    if (body === null) return { hits: [] };
    await this.ensureIndex();
    const response = await this.call("search", () => this.driver.search(this.index, body));
    return { hits: response.hits.hits.map((hit) => toHit(hit as EngineHit, terms, this.tags)) };
  }

  /** Makes every write so far visible to search (`_refresh`). */
  async refresh(): Promise<void> {
    await this.ensureIndex();
    await this.call("refresh", () => this.driver.refresh(this.index));
  }

  /**
   * True when the cluster answers a request about our index (never throws). Not `HEAD /`: clusters
   * that restrict users to some indices (Amazon OpenSearch fine-grained access control) may forbid it,
   * and the Elasticsearch test server lacks the module that serves it.
   */
  async ping(): Promise<boolean> {
    try {
      await this.driver.indexExists(this.index);
      return true;
    } catch {
      return false;
    }
  }

  /** Deletes the whole index (tests; a re-index from the chunks stored in the repositories). */
  async deleteIndex(): Promise<void> {
    await this.call("index deletion", () => this.driver.deleteIndex(this.index));
    this.ready = null;
  }

  /** Closes the client's connections. */
  async close(): Promise<void> {
    await this.driver.close();
  }
}
