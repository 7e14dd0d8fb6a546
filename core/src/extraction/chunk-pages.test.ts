import { describe, expect, it } from "vitest";
import { chunkPages } from "./chunk-pages.ts";
import { corpusBytes, hasCorpus } from "./corpus.fixture.ts";
import { extractPdfInProcess } from "./extract-in-process.ts";
import { countTokens, splitSentences } from "./sentences.ts";
import { collapseWhitespace } from "./text-normalize.ts";

const sentence = (n: number, word = "word") =>
  `${"Alpha ".repeat(1)}${Array.from({ length: n - 2 }, () => word).join(" ")} end.`;

describe("chunkPages", () => {
  it("when text spans pages, then each chunk's page range covers exactly the pages its text came from", () => {
    const pages = [
      { number: 1, text: "1 Introduction\n\nThe first page says one thing. It says it twice." },
      { number: 2, text: "The second page continues the argument. It ends here." },
      { number: 3, text: "2 Methods\n\nWe used a method on page three." },
    ];

    const chunks = chunkPages(pages, { maxTokens: 400 });

    expect(chunks.map((c) => [c.pageStart, c.pageEnd, c.section])).toEqual([
      [1, 2, "1 Introduction"],
      [3, 3, "2 Methods"],
    ]);
    expect(chunks[0]!.text).toContain("It ends here.");
    expect(chunks.map((c) => c.ordinal)).toEqual([0, 1]);
  });

  it("when sentences exceed the bound, then chunks stay within it, break between sentences and overlap", () => {
    const text = Array.from({ length: 30 }, (_, i) => sentence(20, `w${i}`)).join(" ");

    const chunks = chunkPages([{ number: 1, text }], { maxTokens: 100, overlapTokens: 25 });

    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) {
      expect(c.tokenCount).toBeLessThanOrEqual(100);
      expect(c.text).toMatch(/^Alpha .* end\.$/);
      expect(c.tokenCount).toBe(countTokens(c.text));
    }
    const lastOfFirst = splitSentences(chunks[0]!.text).at(-1)!;
    expect(chunks[1]!.text.startsWith(lastOfFirst)).toBe(true);
  });

  it("when one sentence alone exceeds the bound, then only that sentence is cut", () => {
    const chunks = chunkPages([{ number: 4, text: `Short one. ${sentence(250)} Short two.` }], {
      maxTokens: 100,
      overlapTokens: 0,
    });

    expect(chunks.every((c) => c.tokenCount <= 100 && c.pageStart === 4 && c.pageEnd === 4)).toBe(true);
    expect(
      chunks
        .map((c) => c.text)
        .join(" ")
        .replace(/\s+/g, " "),
    ).toBe(`Short one. ${sentence(250)} Short two.`);
  });

  it("when text is Japanese, then tokens are counted per character and sentences end at 。", () => {
    const text = "本研究では新しい手法を提案する。実験の結果、精度が向上した。";

    expect(splitSentences(text)).toEqual([
      "本研究では新しい手法を提案する。",
      "実験の結果、精度が向上した。",
    ]);
    expect(countTokens("手法を提案 LSTM model")).toBe(7);
  });
});

describe.skipIf(!hasCorpus)("chunkPages on a corpus paper", () => {
  it("when a real paper is chunked, then sizes are bounded, sections found and every passage is on its pages", async () => {
    const doc = await extractPdfInProcess(corpusBytes("papers/P14-1059.pdf"), { maxPages: 50 });

    const chunks = chunkPages(doc.pages);

    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.every((c) => c.tokenCount > 0 && c.tokenCount <= 400)).toBe(true);
    expect(new Set(chunks.map((c) => c.section))).toContain("3 General framework > 3.2 Generation");
    for (const c of chunks) {
      const source = collapseWhitespace(
        doc.pages
          .filter((p) => p.number >= c.pageStart && p.number <= c.pageEnd)
          .map((p) => p.text)
          .join("\n"),
      );
      for (const para of c.text.split("\n\n"))
        expect(source).toContain(collapseWhitespace(para).slice(0, 60));
    }
  });
});
