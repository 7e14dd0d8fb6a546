/**
 * Every citation of a note made from a corpus paper is checked against the PDF as pdf.js reads it,
 * independently of our extraction: the raw text items of the cited page in content-stream order,
 * joined, NFKC-normalised, lower-cased, letters and digits only, must contain the cited sentence
 * (squashed the same way). Layout debris in our text (a page number, a stray figure label, a lost
 * subscript) inside a quoted sentence fails this check.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { describe, expect, it } from "vitest";
import type { DocumentRecord } from "../domain/records.ts";
import { CORPUS_DIR, corpusBytes, hasCorpus } from "../extraction/corpus.fixture.ts";
import { extractPdfInProcess } from "../extraction/extract-in-process.ts";
import { ExtractiveNoteGenerator } from "./extractive-note-generator.ts";
import { renderNote } from "./render-note.ts";
import { getTemplate } from "./templates.ts";

const squash = (s: string) =>
  s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "");

async function rawPages(bytes: Uint8Array): Promise<string[]> {
  const doc = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, verbosity: 0 })
    .promise;
  try {
    const pages: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const content = await (await doc.getPage(i)).getTextContent();
      pages.push(squash(content.items.map((it) => ("str" in it ? it.str : "")).join("")));
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}

const papers = hasCorpus
  ? readdirSync(path.join(CORPUS_DIR, "papers"))
      .filter((f) => f.endsWith(".pdf"))
      .sort()
  : [];
if (!hasCorpus) console.warn("[corpus-citations] corpus not found: raw pdf.js citation checks are skipped.");

describe.skipIf(!hasCorpus)("citations of corpus notes against raw pdf.js text", () => {
  it.each(papers)(
    "when a summary note is made from %s, then every cited sentence is on its page in the raw PDF text",
    async (file) => {
      const bytes = corpusBytes(`papers/${file}`);
      const [extracted, raw] = await Promise.all([
        extractPdfInProcess(bytes, { maxPages: 100 }),
        rawPages(bytes),
      ]);
      const id = "doc_raw";
      const pages = extracted.pages.map((p) => ({ ...p, documentId: id }));
      const document: DocumentRecord = {
        id,
        projectId: "prj_1",
        filename: file,
        mediaType: "application/pdf",
        byteSize: bytes.byteLength,
        sha256: "0".repeat(64),
        blobKey: `blobs/${id}`,
        status: "ready",
        progress: null,
        error: null,
        pageCount: extracted.pageCount,
        metadata: extracted.metadata,
        createdBy: "usr_1",
        createdAt: "2024-01-01T00:00:00.000Z",
        updatedAt: "2024-01-01T00:00:00.000Z",
      };
      const template = getTemplate("summary")!;
      const generated = await new ExtractiveNoteGenerator().generate({
        document,
        pages,
        chunks: [],
        template,
        language: "en",
      });
      const { markdown } = await renderNote({
        document,
        template,
        language: "en",
        generated,
        pages,
        generatedAt: "2024-05-01T12:00:00.000Z",
      });

      const citations = [...markdown.matchAll(/^- (.+?) \[p\. (\d+)\]$/gm)];
      expect(citations.length).toBeGreaterThanOrEqual(3);
      for (const [, sentence, page] of citations) {
        const plain = sentence!
          .replace(/&lt;/g, "<")
          .replace(/&gt;/g, ">")
          .replace(/&amp;/g, "&")
          .replace(/\\(.)/g, "$1");
        expect(raw[Number(page) - 1], `"${plain}" on p. ${page}`).toContain(squash(plain));
      }
    },
    60_000,
  );
});
