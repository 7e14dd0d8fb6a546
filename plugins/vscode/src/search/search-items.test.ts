import type { SearchHit } from "@academic-assist/sdk";
import { describe, expect, it } from "vitest";
import { highlightSnippet, passagesMarkdown, searchItems } from "./search-items.ts";

const hit: SearchHit = {
  chunkId: "chk_1",
  documentId: "doc_1",
  projectId: "prj_1",
  documentTitle: "Attention Is All You Need",
  filename: "attention.pdf",
  pageStart: 3,
  pageEnd: 4,
  section: "Model",
  snippet: "The attention function maps a query\nand keys",
  highlights: [{ start: 4, end: 13 }],
  score: 1,
};

describe("search items", () => {
  it("when a hit is shown, then the row has the title, the pages and section, and the snippet with its match marked", () => {
    expect(searchItems([hit])[0]).toMatchObject({
      label: "$(file-pdf) Attention Is All You Need",
      description: "pp. 3–4 · Model",
      detail: "The «attention» function maps a query and keys",
    });
  });

  it("when highlights are out of range or overlap, then they are ignored rather than garbling the snippet", () => {
    expect(
      highlightSnippet({
        snippet: "abc",
        highlights: [
          { start: 1, end: 9 },
          { start: 0, end: 1 },
        ],
      }),
    ).toBe("«a»bc");
  });

  it("when passages are written for a question, then each cites its page, linked when the PDF is local", () => {
    const md = passagesMarkdown("What is *attention*?", [hit], () => "papers/attention.pdf");

    expect(md).toMatch(/^# What is \*attention\*\?/);
    expect(md).toContain("issue #5");
    expect(md).toContain("[p. 3](papers/attention.pdf#page=3)");
    expect(passagesMarkdown("q", [], () => null)).toContain("No passage in your library matches");
  });
});
