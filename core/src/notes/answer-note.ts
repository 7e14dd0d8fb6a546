import { contentHash } from "@academic-assist/sdk/writeback";
import type { AskResult } from "@academic-assist/sdk/contract";
import { newId, nowIso } from "../domain/ids.ts";
import type { DocumentRecord, NoteRecord, PageRecord } from "../domain/records.ts";
import type { Repositories } from "../ports/repositories.ts";
import { neutralizeMarkdown } from "./neutralize.ts";
import { yamlString } from "./render-note.ts";
import { verifyStatement } from "./verify.ts";

/** The template id recorded on notes saved from a library answer. */
export const ANSWER_TEMPLATE = "answer";

interface AnswerStatement {
  text: string;
  page: number;
  documentId: string;
  verified: boolean;
}

/**
 * Stores a cited library answer as a ready note of the project (template `answer`). The answer's
 * sentences are split at their `[p. N]` citations; each is checked with `verifyStatement` against
 * that page of the documents the answer cites (the first whose page supports it; else it is kept,
 * marked unverified, under the first document citing that page). The note belongs to the first
 * cited document (a note always has one) and lists every cited document in its frontmatter and
 * body. Null when the answer abstained or cites nothing.
 */
export async function saveAnswerAsNote(
  repos: Repositories,
  input: { projectId: string; userId: string; question: string; result: AskResult },
): Promise<NoteRecord | null> {
  const { result } = input;
  if (result.abstained || result.citations.length === 0) return null;
  const docIds = [...new Set(result.citations.map((c) => c.documentId))];
  const documents = (await repos.documents.findMany(docIds)).filter((d) => d.projectId === input.projectId);
  if (documents.length === 0) return null;
  const ordered = docIds.flatMap((id) => documents.filter((d) => d.id === id));
  const pagesOf = new Map<string, PageRecord[]>();
  for (const d of ordered) pagesOf.set(d.id, await repos.pages.list(d.id));

  const statements: AnswerStatement[] = [];
  for (const m of result.answer.matchAll(/([^[\]]+?)\s*\[p\.\s*(\d+)\]/g)) {
    const text = m[1]!.trim();
    const page = Number(m[2]);
    if (!text) continue;
    const candidates = ordered.filter((d) =>
      result.citations.some((c) => c.documentId === d.id && c.page === page),
    );
    const supporting = candidates.find((d) =>
      verifyStatement({ text, page, verbatim: false }, pagesOf.get(d.id) ?? []),
    );
    const doc = supporting ?? candidates[0] ?? ordered[0]!;
    statements.push({ text, page, documentId: doc.id, verified: supporting !== undefined });
  }
  if (statements.length === 0) return null;

  const at = nowIso();
  const verified = statements.filter((s) => s.verified).length;
  const body: string[] = [`# ${neutralizeMarkdown(input.question)}`, ""];
  for (const d of ordered) {
    const own = statements.filter((s) => s.documentId === d.id);
    if (own.length === 0) continue;
    body.push(`## ${neutralizeMarkdown(titleOf(d))}`, "");
    for (const s of own)
      body.push(`- ${neutralizeMarkdown(s.text)} [p. ${s.page}${s.verified ? "" : ", unverified"}]`);
    body.push("");
  }
  const bodyText = body.join("\n");
  const frontmatter = (hash: string | null) =>
    [
      "---",
      `title: ${yamlString(input.question)}`,
      `question: ${yamlString(input.question)}`,
      `source: ${yamlString(ordered[0]!.filename)}`,
      `document_id: ${yamlString(ordered[0]!.id)}`,
      `documents:\n${ordered.map((d) => `  - ${yamlString(d.id)}`).join("\n")}`,
      `sources:\n${ordered.map((d) => `  - ${yamlString(d.filename)}`).join("\n")}`,
      `template: ${yamlString(ANSWER_TEMPLATE)}`,
      `provider: ${yamlString(result.provider)}`,
      `model: ${yamlString(result.model)}`,
      `generated_at: ${yamlString(at)}`,
      `citations_total: ${statements.length}`,
      `citations_verified: ${verified}`,
      `citations_verified_share: ${(verified / statements.length).toFixed(3)}`,
      ...(hash ? [`content_hash: ${yamlString(hash)}`] : []),
      "---",
      "",
    ].join("\n");
  const hash = await contentHash(frontmatter(null) + bodyText);
  const project = await repos.projects.findById(input.projectId);
  return repos.notes.create({
    id: newId("note"),
    projectId: input.projectId,
    documentId: ordered[0]!.id,
    template: ANSWER_TEMPLATE,
    language: /[\u3040-\u30FF\u4E00-\u9FFF]/u.test(input.question) ? "ja" : (project?.language ?? "en"),
    status: "ready",
    title: input.question,
    markdown: frontmatter(hash) + bodyText,
    contentHash: hash,
    generator: { provider: result.provider, model: result.model },
    citations: { total: statements.length, verified, unverified: statements.length - verified },
    error: null,
    createdBy: input.userId,
    createdAt: at,
    updatedAt: at,
    cacheKey: null,
  });
}

function titleOf(d: DocumentRecord): string {
  return d.metadata.title ?? d.filename;
}
