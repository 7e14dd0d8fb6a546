import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IndexedChunk, SearchIndex, SearchIndexHit, SearchRequest } from "../search-index.ts";
import type { ContractSubject } from "./contract-helpers.ts";

const PROJECT = "prj_a";
const OTHER_PROJECT = "prj_b";

let seq = 0;
const chunk = (text: string, over: Partial<IndexedChunk> = {}): IndexedChunk => ({
  chunkId: `chk_${++seq}`,
  documentId: "doc_1",
  projectId: PROJECT,
  text,
  pageStart: 1,
  pageEnd: 1,
  section: null,
  ...over,
});

const highlighted = (hit: SearchIndexHit): string[] =>
  hit.highlights.map((h) => hit.snippet.slice(h.start, h.end));

/**
 * The behaviour every {@link SearchIndex} implementation must have. `make` returns a fresh adapter on
 * an empty index each time.
 */
export function describeSearchIndex(make: () => Promise<ContractSubject<SearchIndex>>): void {
  describe("SearchIndex contract", () => {
    let index: SearchIndex;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ adapter: index, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    async function add(...chunks: IndexedChunk[]): Promise<void> {
      const result = await index.indexChunks(chunks);
      expect(result).toEqual({ indexed: chunks.length, failed: [] });
      await index.refresh();
    }

    const search = (text: string, over: Partial<SearchRequest> = {}): Promise<{ hits: SearchIndexHit[] }> =>
      index.search({ text, projectIds: [PROJECT], limit: 10, offset: 0, ...over });

    describe("English", () => {
      it("when chunks mention a term more or less often, then the denser one ranks first and non-matching ones are absent", async () => {
        const dense = chunk(
          "Transformer models. The transformer uses attention; every transformer layer is a transformer block.",
        );
        const sparse = chunk(
          "This long survey covers recurrent networks, convolutional networks, graph networks, kernel methods, " +
            "decision trees, boosting, and finally, briefly, the transformer, among many other architectures and ideas.",
        );
        const none = chunk("Convolutional networks for image recognition.");
        await add(dense, sparse, none);

        const { hits } = await search("transformer");

        expect(hits.map((h) => h.chunkId)).toEqual([dense.chunkId, sparse.chunkId]);
        expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      });

      it("when a query has several words, then only chunks containing all of them are found", async () => {
        const both = chunk("Self attention in the transformer architecture.");
        const one = chunk("Attention mechanisms in recurrent networks.");
        await add(both, one);

        const { hits } = await search("attention transformer");

        expect(hits.map((h) => h.chunkId)).toEqual([both.chunkId]);
      });

      it("when searching a word stem, then inflected forms are found and highlighted", async () => {
        const c = chunk("We study deep learning methods. Learned representations help.", {
          section: "Introduction",
          pageStart: 3,
          pageEnd: 4,
        });
        await add(c);

        const { hits } = await search("learn");

        expect(hits).toHaveLength(1);
        expect(hits[0]).toMatchObject({
          chunkId: c.chunkId,
          documentId: "doc_1",
          projectId: PROJECT,
          pageStart: 3,
          pageEnd: 4,
          section: "Introduction",
        });
        expect(highlighted(hits[0]!)).toEqual(["learning", "Learned"]);
      });

      it("when the query differs in case and accents, then the text is still found", async () => {
        await add(chunk("Le café est ouvert. NAÏVE approaches fail."));

        expect((await search("CAFE")).hits).toHaveLength(1);
        expect((await search("naive")).hits).toHaveLength(1);
      });
    });

    describe("Japanese", () => {
      it("when searching a substring of a Japanese sentence, then it is found and highlighted", async () => {
        const c = chunk("自然言語処理の研究");
        await add(c, chunk("画像認識の研究"));

        const twoChars = await search("言語");
        const fourChars = await search("言語処理");

        expect(twoChars.hits.map((h) => h.chunkId)).toEqual([c.chunkId]);
        expect(fourChars.hits.map((h) => h.chunkId)).toEqual([c.chunkId]);
        expect(highlighted(fourChars.hits[0]!)).toEqual(["言語処理"]);
      });

      it("when searching characters that are not adjacent in the text, then nothing is found", async () => {
        await add(chunk("自然言語処理の研究"));

        expect((await search("言処")).hits).toEqual([]);
      });

      it("when searching one kanji, then chunks containing it anywhere are found", async () => {
        const a = chunk("自然言語処理の研究");
        const b = chunk("研究室");
        await add(a, b, chunk("画像認識"));

        const last = await search("究");
        const middle = await search("語");

        expect(last.hits.map((h) => h.chunkId).sort()).toEqual([a.chunkId, b.chunkId].sort());
        expect(middle.hits.map((h) => h.chunkId)).toEqual([a.chunkId]);
      });

      it("when Latin and Japanese are mixed, then either part finds the chunk", async () => {
        const c = chunk("BERTモデルを使った実験では、精度が向上した。");
        await add(c);

        expect((await search("bert")).hits.map((h) => h.chunkId)).toEqual([c.chunkId]);
        expect((await search("モデル")).hits.map((h) => h.chunkId)).toEqual([c.chunkId]);
        expect((await search("BERT 精度")).hits.map((h) => h.chunkId)).toEqual([c.chunkId]);
      });
    });

    describe("filters", () => {
      it("when searching one project, then another project's chunk never appears", async () => {
        const mine = chunk("Shared words about protein folding.");
        const theirs = chunk("Shared words about protein folding.", {
          projectId: OTHER_PROJECT,
          documentId: "doc_other",
        });
        await add(mine, theirs);

        const own = await search("protein folding");
        const other = await search("protein folding", { projectIds: [OTHER_PROJECT] });
        const both = await search("protein folding", { projectIds: [PROJECT, OTHER_PROJECT] });

        expect(own.hits.map((h) => h.chunkId)).toEqual([mine.chunkId]);
        expect(other.hits.map((h) => h.chunkId)).toEqual([theirs.chunkId]);
        expect(both.hits).toHaveLength(2);
      });

      it("when no project is given, then nothing is found", async () => {
        await add(chunk("protein folding"));

        expect((await search("protein", { projectIds: [] })).hits).toEqual([]);
      });

      it("when a document is given, then only its chunks are found", async () => {
        const a = chunk("graph neural networks", { documentId: "doc_a" });
        const b = chunk("graph neural networks", { documentId: "doc_b" });
        await add(a, b);

        const { hits } = await search("graph", { documentId: "doc_b" });

        expect(hits.map((h) => h.chunkId)).toEqual([b.chunkId]);
      });

      it("when paging with limit and offset, then pages follow the ranking without overlap", async () => {
        const chunks = Array.from({ length: 5 }, (_, i) =>
          chunk(`${"entropy ".repeat(5 - i)} filler text number ${i}`),
        );
        await add(...chunks);

        const all = await search("entropy");
        const page = await search("entropy", { limit: 2, offset: 2 });

        expect(all.hits).toHaveLength(5);
        expect(page.hits.map((h) => h.chunkId)).toEqual(all.hits.slice(2, 4).map((h) => h.chunkId));
      });
    });

    describe("hostile and empty queries", () => {
      it("when the query holds FTS syntax, quotes, operators or emoji, then search never throws", async () => {
        await add(chunk('learning "quoted" text with a colon: and a-dash NEAR things AND OR NOT'));
        const queries = [
          '"',
          '""',
          "*",
          "learning*",
          "NEAR(",
          "NEAR(learning text, 2)",
          "AND OR",
          "AND",
          "NOT",
          "-",
          "-learning",
          ":",
          "col:learning",
          "(",
          ")",
          "^learning",
          "learning OR",
          "   ",
          "\t\n",
          "🦄",
          "🦄🦄 🎉",
          "'",
          "\\",
          "{}[]",
          "a\u0000b",
          "𠮷野家",
          "ｶﾀｶﾅ",
          "+",
          "%_",
        ];

        for (const q of queries) {
          const result = await search(q);
          expect(Array.isArray(result.hits), q).toBe(true);
        }
        expect((await search('learning"')).hits).toHaveLength(1);
        expect((await search("AND OR")).hits).toHaveLength(1);
      });

      it("when the query has no letters or digits, then there are no hits", async () => {
        await add(chunk("anything at all"));

        for (const q of ["", "   ", "🦄", "?!.,", '"*"']) expect((await search(q)).hits, q).toEqual([]);
      });
    });

    describe("writes", () => {
      it("when a chunk is indexed again under the same id, then it is replaced", async () => {
        const c = chunk("old wording about lasers");
        await add(c);

        await add({ ...c, text: "new wording about magnets", pageStart: 7, pageEnd: 7 });

        expect((await search("lasers")).hits).toEqual([]);
        const { hits } = await search("wording");
        expect(hits).toHaveLength(1);
        expect(hits[0]).toMatchObject({ chunkId: c.chunkId, pageStart: 7 });
      });

      it("when a document is deleted, then its chunks are no longer found and others are", async () => {
        await add(
          chunk("quantum chemistry", { documentId: "doc_gone" }),
          chunk("quantum optics", { documentId: "doc_kept" }),
        );

        await index.deleteDocument("doc_gone");
        await index.refresh();

        expect((await search("quantum")).hits.map((h) => h.documentId)).toEqual(["doc_kept"]);
      });

      it("when ten thousand chunks are indexed, then a rare and a common word are both found", async () => {
        const words = [
          "model",
          "data",
          "result",
          "method",
          "analysis",
          "network",
          "training",
          "error",
          "signal",
          "graph",
        ];
        const chunks = Array.from({ length: 10_000 }, (_, i) =>
          chunk(
            `Chunk ${i}: ${words[i % 10]} ${words[(i * 7) % 10]} ${words[(i * 3) % 10]} and some shared filler text about experiments.`,
            {
              documentId: `doc_${i % 50}`,
            },
          ),
        );
        const rare = { ...chunks[4321]!, text: `${chunks[4321]!.text} zymurgy` };
        chunks[4321] = rare;

        const result = await index.indexChunks(chunks);
        await index.refresh();

        expect(result.indexed).toBe(10_000);
        expect((await search("zymurgy")).hits.map((h) => h.chunkId)).toEqual([rare.chunkId]);
        expect((await search("experiments", { limit: 25 })).hits).toHaveLength(25);
      }, 60_000);
    });

    describe("snippets", () => {
      it("when the match is deep in a long chunk, then the snippet is a short, word-aligned excerpt around it", async () => {
        const before = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(20);
        const after = " Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.".repeat(20);
        const text = `${before}The photosynthesis experiment succeeded.${after}`;
        await add(chunk(text));

        const [hit] = (await search("photosynthesis")).hits;

        expect(hit!.snippet.length).toBeLessThanOrEqual(260);
        expect(hit!.snippet.length).toBeGreaterThan(80);
        expect(highlighted(hit!)).toEqual(["photosynthesis"]);
        const at = text.indexOf(hit!.snippet);
        expect(at).toBeGreaterThan(0);
        expect(/\s/.test(text[at - 1]!)).toBe(true);
        expect(/[\s.]/.test(text[at + hit!.snippet.length] ?? " ")).toBe(true);
      });

      it("when matches are spread out, then the snippet shows the area where most query terms meet", async () => {
        const filler = "unrelated words here and there ".repeat(15);
        const text = `alpha appears alone. ${filler} here alpha and beta appear together. ${filler}`;
        await add(chunk(text));

        const [hit] = (await search("alpha beta")).hits;

        expect(hit!.snippet).toContain("alpha and beta");
        expect(highlighted(hit!)).toEqual(expect.arrayContaining(["alpha", "beta"]));
      });
    });

    it("when the index is open, then ping answers true", async () => {
      expect(await index.ping()).toBe(true);
    });
  });
}
