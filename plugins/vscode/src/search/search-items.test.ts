import type { AskResult, SearchHit } from "@academic-assist/sdk";
import { describe, expect, it } from "vitest";
import { answerMarkdown, highlightSnippet, searchItems } from "./search-items.ts";

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

  it("when an answer is written, then each [p. N] links to the page of the PDF it cites, and the passages are listed as sources", () => {
    const result: AskResult = {
      answer: "Attention maps a query [p. 3]. Layers stack [p. 3]. Unrelated [p. 9].",
      citations: [
        { documentId: "doc_1", page: 3, chunkId: "chk_1" },
        { documentId: "doc_2", page: 3, chunkId: "chk_2" },
        { documentId: "doc_3", page: 9, chunkId: "chk_3" },
      ],
      abstained: false,
      passages: [
        {
          chunkId: "chk_1",
          documentId: "doc_1",
          pageStart: 3,
          pageEnd: 4,
          section: "Model",
          relevance: 1,
          text: "The attention\nfunction",
        },
      ],
      provider: "extractive",
      model: "extractive-v1",
    };
    const sources = new Map([
      ["doc_1", { title: "Attention *Is* All", link: "papers/attention.pdf" }],
      ["doc_2", { title: "Other", link: "papers/other.pdf" }],
      ["doc_3", { title: "Remote", link: null }],
    ]);

    const md = answerMarkdown("What is *attention*?", result, (id) => sources.get(id)!);

    expect(md).toMatch(/^# What is \\\*attention\\\*\?\n/);
    expect(md).toContain(
      "Attention maps a query [p. 3](papers/attention.pdf#page=3). Layers stack [p. 3](papers/other.pdf#page=3). Unrelated [p. 9].",
    );
    expect(md).toContain("## Sources");
    expect(md).toContain(
      "1. **Attention \\*Is\\* All** — Model, [pp. 3–4](papers/attention.pdf#page=3): The attention function",
    );
    expect(md).not.toContain("issue #5");
  });

  it("when the library lacks the answer, then the document says so instead of citing", () => {
    const md = answerMarkdown(
      "q?",
      {
        answer: "Your library does not say.",
        citations: [],
        abstained: true,
        passages: [],
        provider: "p",
        model: "m",
      },
      () => ({ title: "x", link: null }),
    );

    expect(md).toContain("> **Not answered from your library.** Your library does not say.");
    expect(md).not.toContain("## Sources");
  });
});
