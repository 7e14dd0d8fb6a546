import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeSearchIndex } from "../../ports/contracts/search-index.contract.ts";
import { tempDir } from "../../testing/index.ts";
import { Fts5SearchIndex } from "./fts5-search-index.ts";
import { parseQuery, toIndexText, toMatchExpression } from "./fts5-text.ts";

describe("Fts5SearchIndex", () => {
  describeSearchIndex(async () => {
    const dir = tempDir();
    const adapter = new Fts5SearchIndex(join(dir.path, "search.db"));
    return {
      adapter,
      cleanup: async () => {
        await adapter.close();
        await dir.cleanup();
      },
    };
  });

  it("when the file is reopened, then indexed chunks are still found", async () => {
    const dir = tempDir();
    const file = join(dir.path, "search.db");
    const first = new Fts5SearchIndex(file);
    await first.indexChunks([
      {
        chunkId: "c1",
        documentId: "d1",
        projectId: "p1",
        text: "研究の成果",
        pageStart: 1,
        pageEnd: 1,
        section: null,
      },
    ]);
    await first.close();

    const second = new Fts5SearchIndex(file);

    expect(
      (await second.search({ text: "成果", projectIds: ["p1"], limit: 5, offset: 0 })).hits,
    ).toHaveLength(1);
    await second.close();
    await dir.cleanup();
  });
});

describe("FTS5 text preparation", () => {
  it("when a CJK run is indexed, then it becomes overlapping bigrams plus its last character, apart from Latin words", () => {
    expect(toIndexText("BERTモデル").trim().split(/\s+/)).toEqual(["BERT", "モデ", "デル", "ル"]);
    expect(toIndexText("研").trim()).toBe("研");
  });

  it("when a query is built, then every term is quoted and ANDed, and one CJK character is a prefix", () => {
    expect(toMatchExpression(parseQuery('deep "learning" 言語処理 究'))).toBe(
      '"deep" AND "learning" AND "言語 語処 処理" AND "究"*',
    );
    expect(toMatchExpression(parseQuery("NEAR( * : -"))).toBe('"near"');
    expect(toMatchExpression(parseQuery("🦄 ?!"))).toBeNull();
  });
});
