import { describe, expect, it } from "vitest";
import { corpusBytes, hasCorpus } from "./corpus.fixture.ts";
import { extractPdfInProcess } from "./extract-in-process.ts";
import { findArxivId, findKeywords, findVenue } from "./front-matter.ts";
import { pageOf } from "./layout.fixture.ts";

const metadataOf = async (file: string) =>
  (await extractPdfInProcess(corpusBytes(file), { maxPages: 100 })).metadata;

describe("keywords, arXiv id and venue on laid-out lines", () => {
  it("when keywords wrap over lines and use several separators, then each keyword is whole", () => {
    const page = pageOf([
      ["Abstract", 72, 10, true],
      ["We present a method.", 72, 10, true],
      ["Index Terms—Parsing; large-scale comparative", 72, 9, true],
      ["genomics · multi-", 72, 9],
      ["lingual models • OCR.", 72, 9],
      ["1 Introduction", 72, 12, true],
    ]);

    expect(findKeywords([page])).toEqual([
      "Parsing",
      "large-scale comparative genomics",
      "multilingual models",
      "OCR",
    ]);
    expect(findKeywords([pageOf([["キーワード：深層学習、質疑応答", 72, 9, true]])])).toEqual([
      "深層学習",
      "質疑応答",
    ]);
    expect(findKeywords([pageOf([["1 Introduction", 72, 12, true]])])).toEqual([]);
  });

  it("when the arXiv stamp is in the margin text, then the id is found, new or old style", () => {
    const page = pageOf([["A paper that cites arXiv:1810.04805 in its text", 72, 10, true]]);

    expect(findArxivId([page], "arXiv:2203.00130v1 [cs.HC] 28 Feb 2022")).toBe("2203.00130v1");
    expect(findArxivId([page], "arXiv:hep-th/9901001v2 [hep-th] 4 Jan 1999")).toBe("hep-th/9901001v2");
    expect(findArxivId([page], "arXiv:2101.00001")).toBe("2101.00001");
    expect(findArxivId([page])).toBeNull();
    expect(findVenue([page], "arXiv:2203.00130v1 [cs.HC] 28 Feb 2022")).toBe("arXiv [cs.HC]");
  });

  it("when no venue is printed, then it is null", () => {
    expect(findVenue([pageOf([["1 Introduction", 72, 12, true]])])).toBeNull();
  });
});

describe.skipIf(!hasCorpus)("keywords, arXiv id and venue of corpus papers", () => {
  it("when a BMC paper prints 'Keywords:' after its abstract, then its four keywords are found", async () => {
    const m = await metadataOf("papers/web_example2.pdf");

    expect(m.keywords).toEqual([
      "Healthcare quality improvement",
      "Patient care",
      "Barriers to quality improvement",
      "Healthcare in resource-limited settings",
    ]);
    expect(m.venue).toBe("BMC Health Services Research 2014, 14:1");
  });

  it("when an ACL paper has the Anthology footer, then the proceedings are its venue", async () => {
    const m = await metadataOf("papers/P14-1059.pdf");

    expect(m.venue).toBe(
      "Proceedings of the 52nd Annual Meeting of the Association for Computational Linguistics",
    );
    expect(m.keywords).toEqual([]);
    expect(m.arxivId).toBeNull();
  });

  it("when journal papers print a citation line, then the journal with its volume is the venue", async () => {
    expect((await metadataOf("papers/e4faf2c1d76b9bf8f8b4524dfb8c5c6b93be5f35.pdf")).venue).toBe(
      "PLoS ONE 13(6): e0197919",
    );
    expect((await metadataOf("papers/web_example3.pdf")).venue).toBe("Clinical Science (2014) 126, 305–313");
    expect((await metadataOf("papers/test6.pdf")).venue).toBe("PeerJ Comput. Sci. 3:e118");
  });

  it("when the arXiv stamp is printed rotated in the margin, then the document's arXiv id, venue and year come from it", async () => {
    const m = await metadataOf("papers/2203.00130v1.pdf");

    expect(m.arxivId).toBe("2203.00130v1");
    expect(m.venue).toBe("arXiv [cs.HC]");
    expect(m.year).toBe(2022);
    expect(m.keywords).toEqual([
      "augmented reading",
      "plain language summaries",
      "healthcare consumers",
      "medical research",
    ]);
  });
});
