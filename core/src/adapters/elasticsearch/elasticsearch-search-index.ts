import { Client, errors } from "@elastic/elasticsearch";
import type { DriverFailure, SearchEngineDriver } from "../search-engine/search-engine-driver.ts";
import { SearchEngineIndex, type SearchEngineIndexOptions } from "../search-engine/search-engine-index.ts";

/** How to reach Elasticsearch (ELASTICSEARCH_URL) and name the index. */
export interface ElasticsearchIndexOptions extends SearchEngineIndexOptions {
  /** e.g. `http://elasticsearch:9200`; credentials may be given in the URL (`https://user:pass@host:9200`). */
  url: string;
  /** Per-request timeout in ms (default 30 s). */
  requestTimeoutMs?: number | undefined;
}

/** The {@link SearchEngineDriver} over the official client (@elastic/elasticsearch 8). */
class ElasticsearchDriver implements SearchEngineDriver {
  readonly engine = "Elasticsearch";
  constructor(private readonly client: Client) {}

  describe(error: unknown): DriverFailure {
    if (error instanceof errors.ResponseError) {
      // `error` is an object ({ type, reason }), or a bare string for "no handler found for uri …".
      const body = error.meta.body as { error?: string | { type?: string; reason?: string } } | undefined;
      const cause = body?.error;
      return {
        connection: false,
        status: error.meta.statusCode,
        type: typeof cause === "object" ? cause.type : undefined,
        reason: (typeof cause === "string" ? cause : cause?.reason) ?? error.message,
      };
    }
    const connection =
      error instanceof errors.ConnectionError ||
      error instanceof errors.TimeoutError ||
      error instanceof errors.NoLivingConnectionsError;
    return { connection, reason: error instanceof Error ? error.message : String(error) };
  }

  indexExists(index: string): Promise<boolean> {
    return this.client.indices.exists({ index });
  }
  async createIndex(index: string, definition: Record<string, unknown>): Promise<void> {
    await this.client.indices.create({ index, ...definition });
  }
  async deleteIndex(index: string): Promise<void> {
    await this.client.indices.delete({ index, ignore_unavailable: true });
  }
  async analyze(body: Record<string, unknown>): Promise<void> {
    await this.client.indices.analyze(body);
  }
  async bulk(index: string, operations: Record<string, unknown>[], waitForRefresh: boolean) {
    return this.client.bulk({ index, operations, refresh: waitForRefresh ? "wait_for" : false });
  }
  async search(index: string, body: Record<string, unknown>) {
    return this.client.search({ index, ...body });
  }
  async refresh(index: string): Promise<void> {
    await this.client.indices.refresh({ index });
  }
  async deleteByQuery(index: string, query: Record<string, unknown>): Promise<void> {
    await this.client.deleteByQuery({ index, query, conflicts: "proceed", refresh: true });
  }
  close(): Promise<void> {
    return this.client.close();
  }
}

/**
 * The search index on Elasticsearch 8 (self-hosted or Elastic Cloud): the shared search-engine index
 * (mapping, queries, bulk handling; see ../search-engine/README.md) over the official client.
 */
export class ElasticsearchSearchIndex extends SearchEngineIndex {
  constructor(options: ElasticsearchIndexOptions) {
    super(
      new ElasticsearchDriver(
        new Client({ node: options.url, requestTimeout: options.requestTimeoutMs ?? 30_000, maxRetries: 2 }),
      ),
      options,
    );
  }
}

/** Connects to Elasticsearch and makes sure the chunk index exists (throws `service_unavailable` when unreachable). */
export async function openElasticsearchIndex(
  options: ElasticsearchIndexOptions,
): Promise<ElasticsearchSearchIndex> {
  const index = new ElasticsearchSearchIndex(options);
  try {
    await index.ensureIndex();
  } catch (error) {
    await index.close();
    throw error;
  }
  return index;
}
