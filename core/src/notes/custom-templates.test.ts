import { describe, expect, it } from "vitest";
import type { DocumentRecord, PageRecord, TemplateRecord } from "../domain/records.ts";
import { ExtractiveNoteGenerator } from "./extractive-note-generator.ts";
import { customTemplateSpec, parseSkeleton, templateVariables } from "./custom-templates.ts";
import { extractCitations, renderNote } from "./render-note.ts";

const at = "2025-03-04T05:06:07.000Z";

const record = (skeleton: string, prompt = ""): TemplateRecord => ({
  id: "tpl_test",
  projectId: "prj_1",
  name: "Reading note",
  description: "",
  language: null,
  prompt,
  skeleton,
  createdBy: "usr_1",
  createdAt: at,
  updatedAt: at,
});

const hostileDocument: DocumentRecord = {
  id: "doc_1",
  projectId: "prj_1",
  filename: "paper.pdf",
  mediaType: "application/pdf",
  byteSize: 1,
  sha256: "a".repeat(64),
  blobKey: "documents/doc_1/original",
  status: "ready",
  progress: null,
  error: null,
  pageCount: 2,
  metadata: {
    title: "# Pwned <% tp.file.move('../../.bashrc') %> {{date}} ![x](https://evil.example/t.png)",
    authors: ["<script>alert(1)</script>", "[Eve](javascript:alert(1))"],
    abstract: "```dataviewjs\ndv.io.write('x')\n```",
    doi: "10.1/x",
    year: 2021,
    language: "en",
  },
  createdBy: "usr_1",
  createdAt: at,
  updatedAt: at,
};

const pages: PageRecord[] = [1, 2].map((number) => ({
  documentId: "doc_1",
  number,
  width: 600,
  height: 800,
  source: "text",
  spans: [],
  text:
    number === 1
      ? "1 Introduction\n\nIn this paper we present a new method for parsing scientific documents with neural networks. We propose a simple approach that improves extraction accuracy considerably."
      : "4 Results\n\nOur results show that the method outperforms the baseline by twelve points of accuracy. However, the approach is limited to documents written in English.",
}));

describe("custom template skeletons", () => {
  it("when the document's venue was found, then {{venue}} gives it, inert like the other variables", () => {
    const metadata = { ...hostileDocument.metadata, venue: "Proceedings of <b>ACL</b> {{date}} [x](y)" };

    const withVenue = templateVariables({ filename: "p.pdf", metadata }, at);
    const without = templateVariables(hostileDocument, at);

    expect(withVenue.venue).toBe("Proceedings of &lt;b&gt;ACL&lt;/b&gt; \\{\\{date\\}\\} \\[x\\](y)");
    expect(without.venue).toBe("");
  });

  it("when a skeleton breaks every rule, then each problem is reported with its line and column", () => {
    const skeleton = [
      "# {{title}} {{venue}}", // 1: fine
      "By {{author}}", // 2: unknown variable at column 4
      "Year {{year} and }}", // 3: unbalanced braces
      "<% tp.date.now() %>", // 4: template engine
      "```dataviewjs", // 5: dataviewjs block
      "```",
      "<script>alert(1)</script>", // 7: raw HTML
      "[x](javascript:alert(1))", // 8: javascript link
      "Intro {{section:Summary}}", // 9: section not alone on its line
    ].join("\n");

    const { problems } = parseSkeleton(skeleton);

    expect(problems.map((p) => [p.line, p.column, p.message.split(" ").slice(0, 3).join(" ")])).toEqual([
      [1, 1, "the skeleton has"],
      [2, 4, "unknown variable `{{author}}`;"],
      [3, 6, "unbalanced braces: `{{`"],
      [4, 1, "template-engine syntax `<%`"],
      [5, 4, "a `dataviewjs` block"],
      [7, 1, "raw HTML (`<script>`)"],
      [8, 5, "`javascript:` links are"],
      [9, 7, "a section placeholder"],
    ]);
    expect(problems.every((p) => p.path === "body.skeleton")).toBe(true);
  });

  it("when a skeleton has sections with and without instructions, then the generator gets them in order", () => {
    const spec = customTemplateSpec(
      record(
        "## Gist\n{{section:Summary}}\n\n## Datasets\n{{section: Datasets | Which corpora were used. }}\n",
      ),
    );

    expect(spec.sections).toEqual([
      { heading: "Summary", instruction: "What the paper is about and what it found, in a few sentences." },
      { heading: "Datasets", instruction: "Which corpora were used." },
    ]);
    expect(spec.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("when a note is rendered with a skeleton and hostile metadata, then the skeleton's sections hold verified citations and nothing of the metadata is live", async () => {
    const template = customTemplateSpec(
      record(
        "# {{title}}\n\nAuthors: {{authors}} ({{year}}), doi {{doi}}\n\n> {{abstract}}\n\n## What they did\n{{section:Methods}}\n\n## What came out\n{{section:Results}}\n",
        "Focus on accuracy and baselines.",
      ),
    );
    const generated = await new ExtractiveNoteGenerator().generate({
      document: hostileDocument,
      pages,
      chunks: [],
      template,
      language: "en",
    });

    const note = await renderNote({
      document: hostileDocument,
      template,
      language: "en",
      generated,
      pages,
      generatedAt: at,
    });

    const body = note.markdown.split("\n---\n")[1]!;
    expect(note.markdown).toMatch(/^template: "tpl_test"$/m);
    expect(note.markdown).toMatch(/^template_name: "Reading note"$/m);
    expect(body).toContain("## What they did\n- ");
    expect(body).toContain("## What came out\n- ");
    expect(note.citations.total).toBeGreaterThan(0);
    expect(note.citations.verified).toBe(note.citations.total);
    expect(extractCitations(note.markdown).every((c) => c.verified)).toBe(true);
    // Hostile metadata: no template-engine tags, HTML, images, code fences, links or re-expanded variables.
    expect(body).not.toMatch(/<%|<script|!\[|```|\]\(javascript|\{\{date\}\}|^#\s*Pwned/m);
    expect(body).toMatch(/^# \\# Pwned &lt;\\% tp\.file\.move/m);
    expect(body).toContain("doi 10.1/x");
    expect(body).toContain("\\{\\{date\\}\\}");
  });
});
