import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeSearchIndex } from "../../ports/contracts/search-index.contract.ts";
import { errorCodeOf } from "../../ports/contracts/contract-helpers.ts";
import type { IndexedChunk } from "../../ports/search-index.ts";
import type { SearchEngineIndex, SearchEngineIndexOptions } from "./search-engine-index.ts";

/** Options of both adapters' constructors (beside `url`). */
export type EngineTestOptions = SearchEngineIndexOptions & { requestTimeoutMs?: number };

/** Makes an adapter for the server at `url` (the Elasticsearch or the OpenSearch one). */
export type MakeSearchEngineIndex = (url: string, options: EngineTestOptions) => SearchEngineIndex;

/** A loopback port nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const chunk = (i: number, over: Partial<IndexedChunk> = {}): IndexedChunk => ({
  chunkId: `chk_${i}`,
  documentId: "doc_1",
  projectId: "prj_a",
  text: `Passage ${i} about superconducting magnets and 超伝導磁石.`,
  pageStart: i + 1,
  pageEnd: i + 1,
  section: null,
  ...over,
});

/**
 * What the Elasticsearch and OpenSearch adapters must do against a real server, beside the port's
 * contract suite: the same assertions for both engines.
 */
export function describeSearchEngineIndex(url: string, make: MakeSearchEngineIndex): void {
  const fresh = (options: EngineTestOptions = {}): SearchEngineIndex =>
    make(url, { indexPrefix: `aa-test-${randomUUID()}-`, ...options });

  describeSearchIndex(async () => {
    const adapter = fresh();
    return {
      adapter,
      cleanup: async () => {
        await adapter.deleteIndex();
        await adapter.close();
      },
    };
  });

  describe("on a real server", () => {
    let index: SearchEngineIndex;
    beforeEach(() => {
      index = fresh();
    });
    afterEach(async () => {
      await index.deleteIndex();
      await index.close();
    });

    it("when one chunk among many does not fit the mapping, then the others are indexed and found, and it alone is reported failed with the server's reason", async () => {
      const chunks = Array.from({ length: 40 }, (_, i) => chunk(i));
      const bad = { ...chunks[17]!, pageStart: "seventeen" as unknown as number };
      chunks[17] = bad;

      const result = await index.indexChunks(chunks);
      await index.refresh();

      expect(result.indexed).toBe(39);
      expect(result.failed).toHaveLength(1);
      expect(result.failed[0]!.chunkId).toBe(bad.chunkId);
      expect(result.failed[0]!.reason).toMatch(/pageStart/);
      const { hits } = await index.search({ text: "magnets", projectIds: ["prj_a"], limit: 100, offset: 0 });
      expect(hits).toHaveLength(39);
      expect(hits.map((h) => h.chunkId)).not.toContain(bad.chunkId);
    });

    it("when chunks are indexed with waitUntilSearchable, then they are found at once without a refresh", async () => {
      await index.indexChunks([chunk(1)]);
      await index.refresh();

      await index.indexChunks([chunk(2, { text: "A note on 量子もつれ and entanglement." })], {
        waitUntilSearchable: true,
      });

      const english = await index.search({
        text: "entanglement",
        projectIds: ["prj_a"],
        limit: 5,
        offset: 0,
      });
      const japanese = await index.search({ text: "もつれ", projectIds: ["prj_a"], limit: 5, offset: 0 });
      expect(english.hits.map((h) => h.chunkId)).toEqual(["chk_2"]);
      expect(japanese.hits.map((h) => h.chunkId)).toEqual(["chk_2"]);
    });

    it("when a query uses an English possessive or contraction, then the plain word finds it and vice versa", async () => {
      await index.indexChunks([chunk(1, { text: "Student's t-test and Bayes' theorem don't apply here." })]);
      await index.refresh();

      for (const q of ["student", "students", "Bayes", "don't", "t-test"]) {
        const { hits } = await index.search({ text: q, projectIds: ["prj_a"], limit: 5, offset: 0 });
        expect(
          hits.map((h) => h.chunkId),
          q,
        ).toEqual(["chk_1"]);
      }
    });
  });

  describe("when the server is unreachable", () => {
    it("when the server is unreachable, then writes and searches fail with service_unavailable and ping answers false", async () => {
      const gone = make(`http://127.0.0.1:${await closedPort()}`, {
        indexPrefix: "aa-test-unreachable-",
        requestTimeoutMs: 2000,
      });

      expect(await gone.ping()).toBe(false);
      expect(await errorCodeOf(gone.indexChunks([chunk(1)]))).toBe("service_unavailable");
      expect(await errorCodeOf(gone.search({ text: "x", projectIds: ["p"], limit: 1, offset: 0 }))).toBe(
        "service_unavailable",
      );
      await gone.close();
    });
  });
}
