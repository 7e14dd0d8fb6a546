/**
 * The few calls the shared search-engine index makes, with plain JSON bodies. The Elasticsearch and
 * OpenSearch adapters implement it over their own clients; everything else (mapping, queries, bulk
 * item handling, retries, error mapping) is shared and identical for both engines.
 */

/** One item of a `_bulk` response (the action's result). */
export interface BulkItemResult {
  _id?: string | null | undefined;
  status: number;
  error?:
    | { type?: string; reason?: string | null; caused_by?: { type?: string; reason?: string | null } }
    | undefined;
}

/** The part of a `_bulk` response we read. */
export interface BulkResult {
  errors: boolean;
  items: Record<string, BulkItemResult | undefined>[];
}

/** What went wrong in a driver call, in the engine-neutral terms the shared code decides on. */
export interface DriverFailure {
  /** The server could not be reached (refused, reset, timed out, no living connection). */
  connection: boolean;
  /** The HTTP status when the server answered. */
  status?: number | undefined;
  /** The engine's error type, e.g. `resource_already_exists_exception`. */
  type?: string | undefined;
  /** The engine's or the client's message. */
  reason: string;
}

export interface SearchEngineDriver {
  /** "Elasticsearch" or "OpenSearch", for messages. */
  readonly engine: string;
  /** Translates anything the other methods throw. */
  describe(error: unknown): DriverFailure;
  indexExists(index: string): Promise<boolean>;
  /** Creates the index; throws (type `resource_already_exists_exception`) if it exists. */
  createIndex(index: string, definition: Record<string, unknown>): Promise<void>;
  deleteIndex(index: string): Promise<void>;
  /** Runs `_analyze` with `body`; throws on an unknown component (HTTP 400). */
  analyze(body: Record<string, unknown>): Promise<void>;
  /** `_bulk` into `index`: `operations` is the NDJSON lines as objects (action, source, action, …). */
  bulk(index: string, operations: Record<string, unknown>[], waitForRefresh: boolean): Promise<BulkResult>;
  search(index: string, body: Record<string, unknown>): Promise<{ hits: { hits: unknown[] } }>;
  refresh(index: string): Promise<void>;
  deleteByQuery(index: string, query: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}
