import type { Caption } from "@academic-assist/sdk/contract";
import { describe, expect, it } from "vitest";
import { captionHead, extractCaptions } from "./captions.ts";
import { corpusBytes, hasCorpus } from "./corpus.fixture.ts";
import { extractPdfInProcess } from "./extract-in-process.ts";
import { pageOf } from "./layout.fixture.ts";

const captionsOf = async (file: string) =>
  (await extractPdfInProcess(corpusBytes(file), { maxPages: 100 })).metadata.captions ?? [];
const labels = (captions: Caption[], kind: Caption["kind"]) =>
  captions
    .filter((c) => c.kind === kind)
    .map((c) => c.label)
    .join(" ");

describe("captionHead", () => {
  it("when a line starts with a label and a caption, then its kind and label are found", () => {
    expect(captionHead("Figure 1: Overview of the system.")).toMatchObject({ kind: "figure", label: "1" });
    expect(captionHead("Fig. 2. Term definitions")).toMatchObject({ kind: "figure", label: "2" });
    expect(captionHead("Table 3 Overview of themes on quality")).toMatchObject({ kind: "table", label: "3" });
    expect(captionHead("Figure S1 Query fragment")).toMatchObject({ kind: "figure", label: "S1" });
    expect(captionHead("図2.1 Ra上の空間Ωと点x")).toMatchObject({ kind: "figure", label: "2.1" });
    expect(captionHead("表1:論理プログラムとソースコード")).toMatchObject({ kind: "table", label: "1" });
  });

  it("when a line only mentions a figure or table, then it is no caption", () => {
    expect(captionHead("Figure 1 shows the class model of MADR.")).toBeNull();
    expect(captionHead("Table 3 for more provenance statistics.")).toBeNull();
    expect(captionHead("Figure 8, which plots the position of readers")).toBeNull();
    expect(captionHead("Table 3). Other errors decompose a noun")).toBeNull();
    expect(captionHead("表3では別のアプローチとの比較を行っている")).toBeNull();
    expect(captionHead("図3.3で,r = 1/3としていたので")).toBeNull();
    expect(captionHead("Figures 1 and 2 compare the models")).toBeNull();
    expect(captionHead("Table 97.3 58.6 73.2")).toBeNull();
  });
});

describe("extractCaptions on laid-out lines", () => {
  it("when a caption spans lines and the text mentions it, then the whole caption paragraph is kept once", () => {
    const page = pageOf([
      ["As shown in Figure 1, the model has three parts and the", 72, 10, true],
      ["Figure 1. On average, these parts are small.", 72, 10],
      ["Figure 1: Architecture of the model: an encoder,", 72, 9, true],
      ["a decoder and a ranker.", 72, 9],
      ["The encoder reads the input sentence by sentence.", 72, 10, true],
    ]);

    const captions = extractCaptions([page]);

    expect(captions).toEqual([
      {
        kind: "figure",
        label: "1",
        text: "Figure 1: Architecture of the model: an encoder, a decoder and a ranker.",
        page: 1,
      },
    ]);
  });
});

describe.skipIf(!hasCorpus)("captions of corpus papers", () => {
  it("when an ACL paper is read, then its nine tables and one figure are found with their pages", async () => {
    const captions = await captionsOf("papers/P14-1059.pdf");

    expect(labels(captions, "table")).toBe("1 2 3 4 5 6 7 8 9");
    expect(captions.find((c) => c.kind === "figure")).toMatchObject({ label: "1", page: 8 });
    expect(captions.find((c) => c.kind === "table" && c.label === "3")).toMatchObject({
      page: 6,
      text: "Table 3: Examples of generating ANs from Ns using the data set of Dinu et al. (2013).",
    });
  });

  it("when a PLOS paper labels figures 'Fig 1.', then every figure and table caption is found once", async () => {
    const captions = await captionsOf("papers/e4faf2c1d76b9bf8f8b4524dfb8c5c6b93be5f35.pdf");

    expect(labels(captions, "figure")).toBe("1 2 3 4 5 6 7 8");
    expect(captions.filter((c) => c.kind === "table")).toHaveLength(8);
    // "Table 1 is presenting the genetic effect …" in the running text is not the caption.
    expect(captions.find((c) => c.kind === "table" && c.label === "1")!.text).toMatch(
      /^Table 1\. Fixed effects/,
    );
  });

  it("when a Japanese paper labels figures '図1:', then they are found", async () => {
    const captions = await captionsOf("japanese/asapypy_jsai2016roboken.pdf");

    expect(captions.map((c) => [c.kind, c.label, c.page])).toEqual([
      ["figure", "1", 1],
      ["figure", "2", 1],
      ["figure", "3", 2],
    ]);
  });
});
