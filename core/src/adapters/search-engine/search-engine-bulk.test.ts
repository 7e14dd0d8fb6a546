import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { IndexedChunk } from "../../ports/search-index.ts";
import { ElasticsearchSearchIndex } from "../elasticsearch/elasticsearch-search-index.ts";
import { OpenSearchSearchIndex } from "../opensearch/opensearch-search-index.ts";
import type { SearchEngineIndex } from "./search-engine-index.ts";

/**
 * The bulk retry logic with the real Elasticsearch and OpenSearch clients against a local HTTP server
 * that speaks the `_bulk` wire format and rejects chosen items with 429 (a full write queue), which a
 * real single-node server cannot be made to do on cue.
 */
interface FakeBulkServer {
  url: string;
  /** How many times each chunk id arrived in a `_bulk` request. */
  attempts: Map<string, number>;
  /** Whole `_bulk` requests received. */
  bulkRequests: number;
  close(): Promise<void>;
}

async function fakeBulkServer(
  reject: (chunkId: string, attempt: number) => boolean,
): Promise<FakeBulkServer> {
  const state = { attempts: new Map<string, number>(), bulkRequests: 0 };
  const reply = (res: ServerResponse, status: number, body?: unknown): void => {
    res.writeHead(status, {
      "content-type": "application/json",
      // The Elasticsearch client refuses servers that do not say they are Elasticsearch.
      "x-elastic-product": "Elasticsearch",
    });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const read = async (req: IncomingMessage): Promise<string> => {
    let text = "";
    for await (const chunk of req) text += (chunk as Buffer).toString();
    return text;
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      if (req.method === "HEAD") return reply(res, 200); // the index exists
      if (!req.url?.includes("/_bulk"))
        return reply(res, 404, { error: { type: "not_found", reason: req.url } });
      state.bulkRequests++;
      const lines = body.split("\n").filter((l) => l.trim() !== "");
      const items = [];
      for (let i = 0; i < lines.length; i += 2) {
        const id = (JSON.parse(lines[i]!) as { index: { _id: string } }).index._id;
        const attempt = (state.attempts.get(id) ?? 0) + 1;
        state.attempts.set(id, attempt);
        items.push(
          reject(id, attempt)
            ? {
                index: {
                  _id: id,
                  status: 429,
                  error: {
                    type: "es_rejected_execution_exception",
                    reason: "rejected execution of coordinating operation",
                  },
                },
              }
            : { index: { _id: id, status: 201, result: "created" } },
        );
      }
      reply(res, 200, { took: 1, errors: items.some((i) => i.index.status !== 201), items });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get attempts() {
      return state.attempts;
    },
    get bulkRequests() {
      return state.bulkRequests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const chunks = (n: number): IndexedChunk[] =>
  Array.from({ length: n }, (_, i) => ({
    chunkId: `chk_${i}`,
    documentId: "doc_1",
    projectId: "prj_a",
    text: `passage ${i}`,
    pageStart: 1,
    pageEnd: 1,
    section: null,
  }));

const engines: [string, (url: string) => SearchEngineIndex][] = [
  [
    "Elasticsearch client",
    (url) => new ElasticsearchSearchIndex({ url, indexPrefix: "t-", bulkRetries: 3, bulkRetryDelayMs: 5 }),
  ],
  [
    "OpenSearch client",
    (url) => new OpenSearchSearchIndex({ url, indexPrefix: "t-", bulkRetries: 3, bulkRetryDelayMs: 5 }),
  ],
];

describe.each(engines)(
  "bulk indexing with the %s (local HTTP server speaking the bulk wire format)",
  (_, make) => {
    let server: FakeBulkServer;
    let index: SearchEngineIndex;
    afterEach(async () => {
      await index.close();
      await server.close();
    });

    it("when some items are rejected with 429 for a while, then they are retried and every chunk ends up indexed", async () => {
      // chk_3 and chk_7 are rejected twice, chk_5 once; the rest accepted at once.
      const flaky = new Map([
        ["chk_3", 2],
        ["chk_7", 2],
        ["chk_5", 1],
      ]);
      server = await fakeBulkServer((id, attempt) => attempt <= (flaky.get(id) ?? 0));
      index = make(server.url);

      const result = await index.indexChunks(chunks(10));

      expect(result).toEqual({ indexed: 10, failed: [] });
      expect(server.attempts.get("chk_3")).toBe(3);
      expect(server.attempts.get("chk_0")).toBe(1);
      expect(server.bulkRequests).toBe(3);
    });

    it("when an item is rejected with 429 every time, then after the retries it is reported failed and the others are indexed", async () => {
      server = await fakeBulkServer((id) => id === "chk_4");
      index = make(server.url);

      const result = await index.indexChunks(chunks(6));

      expect(result.indexed).toBe(5);
      expect(result.failed).toEqual([
        {
          chunkId: "chk_4",
          reason: expect.stringMatching(/after 3 retries.*es_rejected_execution_exception/),
        },
      ]);
      expect(server.attempts.get("chk_4")).toBe(4);
    });
  },
);
