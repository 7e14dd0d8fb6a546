/**
 * Every built-in template, for every corpus paper, with the offline extractive generator and with
 * the LLM generator talking to a scripted model behind fake-openai-server: a note is produced, at
 * least 95% of its citations verify against the cited page, and every citation that does not is
 * marked `unverified` in the Markdown.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAiLlmProvider } from "../adapters/openai/openai-llm-provider.ts";
import type { PageRecord } from "../domain/records.ts";
import { CORPUS_DIR, corpusBytes, hasCorpus } from "../extraction/corpus.fixture.ts";
import { extractPdfInProcess } from "../extraction/extract-in-process.ts";
import { ExtractiveNoteGenerator } from "../notes/extractive-note-generator.ts";
import { extractCitations, renderNote } from "../notes/render-note.ts";
import { BUILT_IN_TEMPLATES } from "../notes/templates.ts";
import { isMostlyCjk, verifyStatement } from "../notes/verify.ts";
import type { NoteGenerator } from "../ports/note-generator.ts";
import { startFakeOpenAiServer } from "../testing/fake-openai-server.ts";
import type { FakeLlmServer } from "../testing/fake-llm-server.ts";
import { scriptedNoteReply } from "../testing/scripted-note-reply.ts";
import { LlmNoteGenerator } from "./llm-note-generator.ts";
import { chunksOf, documentOf } from "./note-fixtures.ts";

const papers = hasCorpus
  ? readdirSync(path.join(CORPUS_DIR, "papers"))
      .filter((f) => f.endsWith(".pdf"))
      .sort()
      .map((f) => `papers/${f}`)
  : [];
if (!hasCorpus) console.warn("[corpus-notes] corpus not found: template × corpus checks are skipped.");

describe.skipIf(!hasCorpus)("every template × every corpus paper", () => {
  let server: FakeLlmServer;
  const extracted = new Map<string, PageRecord[]>();
  const totals = { extractive: { total: 0, verified: 0 }, llm: { total: 0, verified: 0 } };

  beforeAll(async () => {
    server = await startFakeOpenAiServer({ script: (r) => ({ kind: "text", text: scriptedNoteReply(r) }) });
    for (const file of papers) {
      const result = await extractPdfInProcess(corpusBytes(file), { maxPages: 100 });
      extracted.set(
        file,
        result.pages.map((p) => ({ ...p, documentId: "doc_c" })),
      );
    }
  }, 300_000);
  afterAll(async () => {
    await server.close();
    console.log(
      `[corpus-notes] citations verified: extractive ${totals.extractive.verified}/${totals.extractive.total}, scripted LLM ${totals.llm.verified}/${totals.llm.total}`,
    );
  });

  const generators = (): [keyof typeof totals, NoteGenerator][] => [
    ["extractive", new ExtractiveNoteGenerator()],
    [
      "llm",
      new LlmNoteGenerator(
        new OpenAiLlmProvider({
          provider: "openai",
          apiKey: "sk-openai-test",
          model: "gpt-4o-mini",
          baseURL: `${server.url}/v1`,
          timeoutS: 10,
          maxRetries: 0,
        }),
        { concurrency: 4, chunkTokens: 3000 },
      ),
    ],
  ];

  it.each(papers)(
    "when %s is noted with every template by both generators, then each note cites pages and unverified ones are marked",
    async (file) => {
      const pages = extracted.get(file)!;
      const doc = documentOf("doc_c", pages);
      const chunks = chunksOf(doc.id, pages);

      for (const [name, generator] of generators()) {
        for (const template of BUILT_IN_TEMPLATES) {
          const language = template.language ?? "en";
          const generated = await generator.generate({ document: doc, pages, chunks, template, language });
          const rendered = await renderNote({
            document: doc,
            template,
            language,
            generated,
            pages,
            generatedAt: "2024-05-01T00:00:00.000Z",
          });

          const citations = extractCitations(rendered.markdown);
          expect(citations.length, `${name} ${template.id}`).toBeGreaterThan(0);
          expect(rendered.markdown).toMatch(new RegExp(`^template: "${template.id}"$`, "m"));
          totals[name].total += rendered.citations.total;
          totals[name].verified += rendered.citations.verified;
          expect(citations.filter((c) => !c.verified)).toHaveLength(rendered.citations.unverified);
          // A citation shown as verified really is supported by its page (quotes of Japanese notes are not shown).
          for (const c of citations.filter((c) => c.verified && !isMostlyCjk(c.sentence))) {
            expect(
              verifyStatement({ text: c.sentence, page: c.page, verbatim: false }, pages),
              c.sentence,
            ).toBe(true);
          }
        }
      }
    },
    120_000,
  );

  it("when all those notes are counted, then at least 95% of citations verify for each generator", () => {
    for (const name of ["extractive", "llm"] as const) {
      expect(totals[name].total).toBeGreaterThan(0);
      expect(totals[name].verified / totals[name].total, name).toBeGreaterThanOrEqual(0.95);
    }
  });
});
