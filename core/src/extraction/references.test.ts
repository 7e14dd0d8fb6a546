import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CORPUS_DIR, corpusBytes, hasCorpus } from "./corpus.fixture.ts";
import { extractPdfInProcess } from "./extract-in-process.ts";
import { pageOf } from "./layout.fixture.ts";
import { extractReferences, parseReference } from "./references.ts";
import { editDistance, normalizeForCer } from "./text-metrics.ts";

const referencesOf = async (file: string) =>
  (await extractPdfInProcess(corpusBytes(file), { maxPages: 200 })).metadata.references ?? [];

// Ground truth spaces out punctuation ("Braunwald ,"): compare without whitespace.
const squash = (s: string) => normalizeForCer(s).replace(/\s+/g, "").toLowerCase();
const similarity = (a: string, b: string) => {
  const x = squash(a);
  const y = squash(b);
  return 1 - editDistance(x, y) / Math.max(1, x.length, y.length);
};

describe.skipIf(!hasCorpus)("reference lists of corpus papers", () => {
  it("when a numbered IEEE-style list spans two pages, then its 17 entries match the ground truth", async () => {
    const gt = (
      JSON.parse(readFileSync(path.join(CORPUS_DIR, "papers/test2.gt.json"), "utf8")) as {
        references: string[];
      }
    ).references;

    const refs = await referencesOf("papers/test2.pdf");

    expect(Math.abs(refs.length - gt.length)).toBeLessThanOrEqual(1);
    const matched = gt.filter((g) => refs.some((r) => similarity(g, r.raw) >= 0.9));
    expect(matched.length / gt.length).toBeGreaterThanOrEqual(0.9);
    // The running header printed between entry 3's lines is not part of it.
    expect(refs[2]!.raw).not.toContain("Rehabilitation Research and Practice");
  });

  it("when IEEE-style entries are parsed, then authors, quoted title, year and journal are found", async () => {
    const refs = await referencesOf("papers/test2.pdf");

    const withYear = refs.filter((r) => r.year !== null).length;
    const withAuthors = refs.filter((r) => r.authors.length > 0).length;
    expect(withYear / refs.length).toBeGreaterThanOrEqual(0.95);
    expect(withAuthors / refs.length).toBeGreaterThanOrEqual(0.9);
    expect(refs[0]).toMatchObject({
      authors: ["E. Braunwald"],
      title:
        "Shattuck lecture: cardiovascular medicine at the turn of the millennium: triumphs, concerns, and opportunities",
      year: 1997,
      venue: "New England Journal of Medicine",
      doi: null,
    });
    expect(refs[1]!.authors).toEqual(["R. L. Campbell", "R. Banner", "J. Konick-McMahan", "M. D. Naylor"]);
  });

  it("when an ACL paper lists author–year entries with a hanging indent over two columns, then each entry is one reference", async () => {
    // 32 entries, counted by hand in the PDF (Andoni and Indyk 2008 … Zanzotto et al. 2010).
    const refs = await referencesOf("papers/P14-1059.pdf");

    expect(refs.length).toBeGreaterThanOrEqual(29);
    expect(refs.length).toBeLessThanOrEqual(35);
    const mikolov = refs.find((r) => r.raw.startsWith("Tomas Mikolov, Quoc Le"));
    expect(mikolov).toMatchObject({ year: 2013, authors: ["Tomas Mikolov", "Quoc Le", "Ilya Sutskever"] });
    expect(mikolov?.raw).toContain("http://arxiv.org/abs/1309.4168");
    expect(refs.filter((r) => r.year !== null).length / refs.length).toBeGreaterThanOrEqual(0.9);
  });

  it("when a PLOS paper numbers its Vancouver-style entries '1.', then they are split and printed DOIs are parsed", async () => {
    // 59 entries, the last numbered "59." in the PDF; page headers and footers sit between them.
    const refs = await referencesOf("papers/e4faf2c1d76b9bf8f8b4524dfb8c5c6b93be5f35.pdf");

    expect(refs.length).toBeGreaterThanOrEqual(53);
    expect(refs.length).toBeLessThanOrEqual(65);
    expect(refs.some((r) => r.raw.includes("PLOS ONE |"))).toBe(false);
    const printed = refs.filter((r) => /doi\.org\/10\./.test(r.raw));
    expect(printed.length).toBeGreaterThanOrEqual(10);
    expect(printed.every((r) => r.doi?.startsWith("10."))).toBe(true);
    const obata = refs.find((r) => r.raw.startsWith("17. Obata T"));
    expect(obata?.doi).toBe("10.1104/pp.15.01164");
    expect(obata?.year).toBe(2015);
    expect(obata?.authors[0]).toBe("Obata T");
  });
});

describe("parsing one reference", () => {
  it("when an ACL entry has 'In Proceedings', then the venue is what follows 'In'", () => {
    const raw =
      "Marco Baroni and Roberto Zamparelli. 2010. Nouns are vectors, adjectives are matrices: Representing adjective-noun constructions in semantic space. In Proceedings of EMNLP, pages 1183–1193, Boston, MA.";

    const ref = parseReference(raw);

    expect(ref).toEqual({
      raw,
      authors: ["Marco Baroni", "Roberto Zamparelli"],
      title:
        "Nouns are vectors, adjectives are matrices: Representing adjective-noun constructions in semantic space",
      year: 2010,
      venue: "Proceedings of EMNLP",
      doi: null,
    });
  });

  it("when an APA entry puts the year in parentheses after 'Surname, I.' authors, then the names read initials first", () => {
    const ref = parseReference(
      "Baumeister, R. F., Bratslavsky, E., Finkenauer, C. and Vohs, K. D. (2001). Bad is stronger than good. Review of General Psychology, 5, 323–370. doi:10.1037/1089-2680.5.4.323",
    );

    expect(ref.authors).toEqual(["R. F. Baumeister", "E. Bratslavsky", "C. Finkenauer", "K. D. Vohs"]);
    expect(ref.year).toBe(2001);
    expect(ref.title).toBe("Bad is stronger than good");
    expect(ref.venue).toBe("Review of General Psychology");
    expect(ref.doi).toBe("10.1037/1089-2680.5.4.323");
  });
});

describe("finding and splitting a reference list", () => {
  it("when the heading shares a line with the running header and an appendix follows, then only the entries between them are kept", () => {
    const page = pageOf([
      ["6 Journal of Things References", 72, 9],
      ["Baroni, M. and Zamparelli, R. (2010) Nouns are", 72, 9],
      ["vectors. Proc. EMNLP, 1183–1193.", 84, 9],
      ["Erk, K. (2012) Vector space models of word", 72, 9],
      ["meaning. Language and Linguistics Compass 6, 635–653.", 84, 9],
      ["Mitchell, J. and Lapata, M. (2008) Vector-based", 72, 9],
      ["models of semantic composition. In Proceedings of ACL.", 84, 9],
      ["A Appendix: Extra Results", 72, 12],
      ["This table lists the numbers of every run.", 72, 9],
    ]);

    const refs = extractReferences([page]);

    expect(refs.map((r) => r.raw)).toEqual([
      "Baroni, M. and Zamparelli, R. (2010) Nouns are vectors. Proc. EMNLP, 1183–1193.",
      "Erk, K. (2012) Vector space models of word meaning. Language and Linguistics Compass 6, 635–653.",
      "Mitchell, J. and Lapata, M. (2008) Vector-based models of semantic composition. In Proceedings of ACL.",
    ]);
    expect(refs[2]).toMatchObject({ year: 2008, title: "Vector-based models of semantic composition" });
  });

  it("when entries are numbered '(n)' and a line inside one starts with another number, then only the next number starts an entry", () => {
    const page = pageOf([
      ["Literature Cited", 72, 11],
      ["(1) Smith J, Jones K. Heat stress in wheat. Crop Sci.", 72, 9],
      ["2001; 41: 10–20.", 72, 9],
      ["(2) Lee W. Metabolite profiles under drought. Plant", 72, 9],
      ["(10) 2015; 169: 2665–2683.", 72, 9],
      ["(3) Zhao X. Rice genotypes and salt. PLoS One. 2014; 9: 1–7.", 72, 9],
      ["(4) Khakimov B. Profiling of barley. Foods. 2014; 3: 569–585.", 72, 9],
    ]);

    const refs = extractReferences([page]);

    expect(refs.map((r) => r.raw.slice(0, 3))).toEqual(["(1)", "(2)", "(3)", "(4)"]);
    expect(refs[1]!.raw).toContain("Plant (10) 2015; 169");
    expect(refs[0]!.raw).toBe("(1) Smith J, Jones K. Heat stress in wheat. Crop Sci. 2001; 41: 10–20.");
    expect(refs[0]).toMatchObject({
      authors: ["Smith J", "Jones K"],
      title: "Heat stress in wheat",
      year: 2001,
    });
  });
});
