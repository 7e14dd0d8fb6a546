import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.ts";
import { corpusBytes, groundTruth, hasCorpus } from "./corpus.fixture.ts";
import { extractPdfInProcess } from "./extract-in-process.ts";
import type { ExtractedDocument } from "./types.ts";

const flat = (s: string) => s.replace(/\s+/g, " ");
const cache = new Map<string, Promise<ExtractedDocument>>();
const extract = (file: string) => {
  let p = cache.get(file);
  if (!p) {
    p = extractPdfInProcess(corpusBytes(file), { maxPages: 200 });
    cache.set(file, p);
  }
  return p;
};

describe.skipIf(!hasCorpus)("extractPdfInProcess on the corpus", () => {
  it("when a paper is extracted, then the page count and per-page numbering are right", async () => {
    const doc = await extract("papers/P14-1059.pdf");

    expect(doc.pageCount).toBe(10);
    expect(doc.pages.map((p) => p.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(doc.pages.every((p) => p.source === "text" && p.width > 500 && p.height > 800)).toBe(true);
  });

  it("when a known sentence is looked up, then it is on its own page and no other", async () => {
    const doc = await extract("papers/P14-1059.pdf");
    const sentence =
      "To the best of our knowledge, we are the first to explicitly and systematically pursue the generation problem in distributional semantics.";

    const pagesWith = doc.pages.filter((p) => flat(p.text).includes(sentence)).map((p) => p.number);

    expect(pagesWith).toEqual([2]);
  });

  it("when a page has two columns, then the left column is read before the right and its sentences stay contiguous", async () => {
    const doc = await extract("papers/P14-1059.pdf");
    const text = flat(doc.pages[0]!.text);

    const leftSentence = text.indexOf(
      "Distributional methods for semantics approximate the meaning of linguistic expressions with vectors that summarize the contexts in which they occur in large samples of text.",
    );
    const leftEnd = text.indexOf(
      "The search space for 3-word phrases in a 10K-word vocabulary is already in the order of trillions.",
    );
    const rightStart = text.indexOf(
      "Besides these theoretical considerations, phrase generation from vectors has many useful applications.",
    );

    expect(leftSentence).toBeGreaterThan(0);
    expect(leftEnd).toBeGreaterThan(leftSentence);
    expect(rightStart).toBeGreaterThan(0);
    expect(leftSentence).toBeLessThan(rightStart);
  });

  it("when a line ends in a hyphenated word, then the word is rejoined", async () => {
    const doc = await extract("papers/P14-1059.pdf");

    expect(doc.pages[0]!.text).toContain("a distributional vector representing some meaning");
    expect(doc.pages[0]!.text).not.toContain("distri-\n");
  });

  it("when spans are read back, then each maps text offsets to a box on the page", async () => {
    const page = (await extract("papers/P14-1059.pdf")).pages[0]!;
    const at = page.text.indexOf("Introduction");

    const span = page.spans.find((s) => s.start <= at && s.end > at)!;

    expect(page.text.slice(span.start, span.end)).toContain("Introduction");
    expect(span.x).toBeGreaterThan(0);
    expect(span.y).toBeGreaterThan(0);
    expect(span.y + span.height).toBeLessThanOrEqual(page.height);
    expect(page.spans.every((s, i) => i === 0 || s.start >= page.spans[i - 1]!.end)).toBe(true);
  });

  it("when text has ligatures or control characters, then it is NFKC-normalised and clean", async () => {
    const doc = await extract("papers/test1.pdf");
    const all = doc.pages.map((p) => p.text).join("\n");

    expect(all).not.toMatch(/[\uFB00-\uFB06]/);
    // eslint-disable-next-line no-control-regex -- asserting their absence
    expect(all).not.toMatch(/[\u0000-\u0008\u000B-\u001F]/);
  });

  it("when a Japanese paper is extracted, then CJK text has no spurious spaces and the language is ja", async () => {
    const doc = await extract("japanese/alstray_kuwahara_jsai2021.pdf");
    const joined = doc.pages[0]!.text.replace(/\n/g, "");

    expect(joined).toContain(
      "本発表では,SATの発展形の一つである解集合プログラミング(Answer Set Programming; ASP)技術を用い,組合せ最適化問題",
    );
    expect(doc.metadata.language).toBe("ja");
    expect(doc.metadata.title).toBe(groundTruth("japanese/alstray_kuwahara_jsai2021.pdf").title);
  });

  it("when metadata is detected, then title, authors, DOI and year match the ground truth", async () => {
    const doc = await extract("papers/test1.pdf");
    const gt = groundTruth("papers/test1.pdf");

    expect(doc.metadata.title).toBe(gt.title);
    expect(doc.metadata.authors).toEqual(gt.authors);
    expect(doc.metadata.doi).toBe("10.1186/1752-2897-4-1");
    expect(doc.metadata.year).toBe(2010);
    expect(doc.metadata.language).toBe("en");
    expect(doc.metadata.abstract).toMatch(/^Deep venous thrombosis prophylaxis is essential/);
  });

  it("when the document has more pages than allowed, then it fails with too_many_pages", async () => {
    const err = await extractPdfInProcess(corpusBytes("papers/test1.pdf"), { maxPages: 2 }).catch(
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("too_many_pages");
    expect((err as AppError).unrecoverable).toBe(true);
  });

  it("when progress is observed, then every page is reported once in order", async () => {
    const seen: string[] = [];

    await extractPdfInProcess(corpusBytes("papers/test1.pdf"), {
      maxPages: 10,
      onProgress: (d, t) => seen.push(`${d}/${t}`),
    });

    expect(seen).toEqual(["1/4", "2/4", "3/4", "4/4"]);
  });

  it("when the caller's buffer is passed, then it is still usable afterwards", async () => {
    const bytes = corpusBytes("papers/gadr.pdf");

    await extractPdfInProcess(bytes, { maxPages: 10 });

    expect(bytes.byteLength).toBeGreaterThan(1000);
  });
});

describe("extractPdfInProcess on bytes that are not a PDF", () => {
  it("when the bytes are garbage, then it fails with a readable pdf_corrupt", async () => {
    const err = await extractPdfInProcess(new TextEncoder().encode("hello, not a pdf"), {
      maxPages: 10,
    }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("pdf_corrupt");
    expect((err as AppError).detail).toMatch(/^The file is not a readable PDF: /);
  });
});
