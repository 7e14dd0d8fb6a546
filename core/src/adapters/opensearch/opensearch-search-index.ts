import { Client, errors, type ClientOptions } from "@opensearch-project/opensearch";
import { AwsSigv4Signer } from "@opensearch-project/opensearch/aws-v3";
import type { BulkResult, DriverFailure, SearchEngineDriver } from "../search-engine/search-engine-driver.ts";
import { SearchEngineIndex, type SearchEngineIndexOptions } from "../search-engine/search-engine-index.ts";

/** How to reach OpenSearch (OPENSEARCH_URL) and name the index. */
export interface OpenSearchIndexOptions extends SearchEngineIndexOptions {
  /** e.g. `https://search-domain.eu-west-1.es.amazonaws.com`; basic-auth credentials may be given in the URL. */
  url: string;
  /** Per-request timeout in ms (default 30 s). */
  requestTimeoutMs?: number | undefined;
  /**
   * Sign every request with AWS Signature V4 (Amazon OpenSearch Service with IAM access), using the
   * AWS default credential chain (the ECS task role). Unset = no signing (self-hosted, basic auth).
   */
  awsSigv4?: { region: string; service?: "es" | "aoss" } | undefined;
}

/** The {@link SearchEngineDriver} over the official client (@opensearch-project/opensearch 3). */
class OpenSearchDriver implements SearchEngineDriver {
  readonly engine = "OpenSearch";
  constructor(private readonly client: Client) {}

  describe(error: unknown): DriverFailure {
    if (error instanceof errors.ResponseError) {
      // `error` is an object ({ type, reason }), or a bare string for "no handler found for uri …".
      const body = error.body as { error?: string | { type?: string; reason?: string } } | undefined;
      const cause = body?.error;
      return {
        connection: false,
        status: error.statusCode,
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

  async indexExists(index: string): Promise<boolean> {
    return (await this.client.indices.exists({ index })).body;
  }
  async createIndex(index: string, definition: Record<string, unknown>): Promise<void> {
    await this.client.indices.create({ index, body: definition });
  }
  async deleteIndex(index: string): Promise<void> {
    await this.client.indices.delete({ index, ignore_unavailable: true });
  }
  async analyze(body: Record<string, unknown>): Promise<void> {
    await this.client.indices.analyze({ body });
  }
  async bulk(
    index: string,
    operations: Record<string, unknown>[],
    waitForRefresh: boolean,
  ): Promise<BulkResult> {
    const response = await this.client.bulk({
      index,
      body: operations,
      refresh: waitForRefresh ? "wait_for" : false,
    });
    return response.body;
  }
  async search(index: string, body: Record<string, unknown>) {
    return (await this.client.search({ index, body })).body as { hits: { hits: unknown[] } };
  }
  async refresh(index: string): Promise<void> {
    await this.client.indices.refresh({ index });
  }
  async deleteByQuery(index: string, query: Record<string, unknown>): Promise<void> {
    await this.client.deleteByQuery({ index, body: { query }, conflicts: "proceed", refresh: true });
  }
  close(): Promise<void> {
    return this.client.close();
  }
}

/**
 * The search index on OpenSearch (self-hosted, or Amazon OpenSearch Service with basic auth or IAM
 * request signing): the
 * shared search-engine index (mapping, queries, bulk handling; see ../search-engine/README.md) over
 * the official client.
 */
export class OpenSearchSearchIndex extends SearchEngineIndex {
  constructor(options: OpenSearchIndexOptions) {
    super(new OpenSearchDriver(new Client(clientOptions(options))), options);
  }
}

function clientOptions(options: OpenSearchIndexOptions): ClientOptions {
  const base: ClientOptions = {
    node: options.url,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    maxRetries: 2,
  };
  if (!options.awsSigv4) return base;
  return {
    ...base,
    ...AwsSigv4Signer({ region: options.awsSigv4.region, service: options.awsSigv4.service ?? "es" }),
  };
}

/** Connects to OpenSearch and makes sure the chunk index exists (throws `service_unavailable` when unreachable). */
export async function openOpenSearchIndex(options: OpenSearchIndexOptions): Promise<OpenSearchSearchIndex> {
  const index = new OpenSearchSearchIndex(options);
  try {
    await index.ensureIndex();
  } catch (error) {
    await index.close();
    throw error;
  }
  return index;
}
