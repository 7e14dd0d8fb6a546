import type { DocumentSection } from "@academic-assist/sdk/contract";
import { describe, expect, it } from "vitest";
import { corpusBytes, hasCorpus } from "./corpus.fixture.ts";
import { extractPdfInProcess } from "./extract-in-process.ts";
import { pageOf } from "./layout.fixture.ts";
import { extractSections, headingLevel } from "./sections.ts";

const sectionsOf = async (file: string) =>
  (await extractPdfInProcess(corpusBytes(file), { maxPages: 100 })).metadata.sections ?? [];

/** The tree as indented "number title" lines, to compare at a glance. */
const outline = (sections: DocumentSection[], depth = 0): string[] =>
  sections.flatMap((s) => [
    `${"  ".repeat(depth)}${s.number ? `${s.number} ` : ""}${s.title}`,
    ...outline(s.children, depth + 1),
  ]);

describe("headingLevel", () => {
  it("when headings are numbered or well-known, then they are detected with their level", () => {
    expect(headingLevel("2.1 Data collection")).toBe(2);
    expect(headingLevel("1.はじめに")).toBe(1);
    expect(headingLevel("2.1 一系列モデル")).toBe(2);
    expect(headingLevel("References")).toBe(1);
    expect(headingLevel("参考文献")).toBe(1);
    expect(headingLevel("3Available at https://example.org/")).toBeNull();
    expect(headingLevel("We used a method.")).toBeNull();
    expect(headingLevel("Related Work on Parsing")).toBe(1);
    expect(headingLevel("Related Work on Parsing", { allowTitleCase: false })).toBe(1);
    expect(headingLevel("Semantic Parsing Models", { allowTitleCase: false })).toBeNull();
  });

  it("when a numbered line has a comma, then it is a heading only when set larger than the body", () => {
    expect(headingLevel("3.1 Xiを等確率で選び,その中からxが選ばれる場合")).toBeNull();
    expect(headingLevel("3.1 Xiを等確率で選び,その中からxが選ばれる場合", { emphasised: true })).toBe(2);
  });
});

describe("extractSections on laid-out lines", () => {
  it("when a numbered list and a table row follow the headings, then they are not taken for sections", () => {
    const page = pageOf([
      ["1 Introduction", 72, 12, true],
      ["We study parsing of papers in three steps, which are:", 72, 10, true],
      ["1 Reading", 72, 10, true],
      ["2 Writing", 72, 10, true],
      ["2 Method", 72, 12, true],
      ["2.1 Data", 72, 10, true],
      ["Our data come from the corpus described below in detail.", 72, 10, true],
      ["1 Baseline 0.51 0.62", 72, 10, true],
      ["3 Results", 72, 12, true],
      ["The method beats the baseline on every measure we tried.", 72, 10, true],
    ]);

    const sections = extractSections([page]);

    expect(outline(sections)).toEqual(["1 Introduction", "2 Method", "  2.1 Data", "3 Results"]);
    expect(sections[1]).toMatchObject({ number: "2", title: "Method", level: 1, page: 1 });
  });

  it("when a paper has no numbers, then known names and larger-type headings make the tree", () => {
    const page = pageOf([
      ["INTRODUCTION", 72, 14, true],
      ["Estimating selective pressure is done on protein coding genes.", 72, 11, true],
      ["METHODS", 72, 14, true],
      ["We describe the five phases of the software below in turn.", 72, 11, true],
      ["Data Preparation", 72, 12, true],
      ["The first phase checks every sequence in the input files.", 72, 11, true],
      ["Our tool is written in Python and Perl and runs on UNIX.", 72, 11, true],
    ]);

    const sections = extractSections([page]);

    expect(outline(sections)).toEqual(["INTRODUCTION", "METHODS", "  Data Preparation"]);
  });
});

describe.skipIf(!hasCorpus)("section trees of corpus papers", () => {
  it("when a two-column ACL paper is read, then its numbered sections nest with their pages", async () => {
    const sections = await sectionsOf("papers/P14-1059.pdf");

    expect(outline(sections)).toEqual([
      "Abstract",
      "1 Introduction",
      "2 Related work",
      "3 General framework",
      "  3.1 Synthesis",
      "  3.2 Generation",
      "  3.3 Recursive (de)composition",
      "4 Evaluation setting",
      "5 Noun phrase generation",
      "  5.1 One-step decomposition",
      "  5.2 Recursive decomposition",
      "6 Noun phrase translation",
      "7 Generation confidence and generation quality",
      "8 Conclusion",
      "Acknowledgments",
      "References",
    ]);
    expect(sections.find((s) => s.number === "3")!.children.map((c) => c.page)).toEqual([2, 3, 3]);
  });

  it("when appendices follow the references, then they are lettered sections with their wrapped titles and B.1-style subsections", async () => {
    const sections = await sectionsOf("papers/2023.eacl-main.121.pdf");

    const appendices = sections.filter((s) => s.number && /^[A-Z]$/.test(s.number));
    expect(appendices.map((s) => s.number).join("")).toBe("ABCDEFG");
    expect(appendices[0]).toMatchObject({
      title: "Bootstrap analysis of inter-annotator variance",
      page: 14,
    });
    // Appendix B's subsections nest under it, numbered B.1 … B.3.
    expect(appendices[1]!.children.map((c) => `${c.number} ${c.title}`)).toEqual([
      "B.1 FINE-grained evaluations of SQuALITY",
      "B.2 COARSE-grained evaluation of PubMed",
      "B.3 Crowdworkers or expert annotators?",
    ]);
    expect(outline(sections).slice(0, 4)).toEqual([
      "Abstract",
      "1 Introduction",
      "2 Survey of human evaluation practices",
      "3 The LONGEVAL guidelines for faithfulness human evaluation",
    ]);
  });

  it("when a Japanese paper numbers its headings '1.はじめに', then they nest and end with 参考文献", async () => {
    const sections = await sectionsOf("japanese/alstray_kuwahara_jsai2021.pdf");

    expect(sections.map((s) => s.number ?? s.title)).toEqual(["1", "2", "3", "4", "5", "6", "参考文献"]);
    expect(sections[0]!.title).toBe("はじめに");
    expect(sections[3]!.children.map((c) => c.number)).toEqual(["4.1", "4.2"]);
  });

  it("when a thesis has chapters '第3章' and numbered sections set large, then sections nest under their chapter", async () => {
    const sections = await sectionsOf("japanese/ssh0_sotsuron_fujimoto2014.pdf");

    expect(sections.filter((s) => s.number).map((s) => `${s.number} ${s.title}`)).toEqual([
      "1 導入",
      "2 モデルの説明",
      "3 各モデルにおける結果と考察",
      "4 結論",
    ]);
    const chapter3 = sections.find((s) => s.number === "3")!;
    expect(chapter3.children.map((c) => c.number)).toEqual(["3.1", "3.2", "3.3", "3.4"]);
    expect(chapter3.children[2]!.children.map((c) => c.number)).toEqual(["3.3.1", "3.3.2", "3.3.3", "3.3.4"]);
  });
});
