import { createHash } from "node:crypto";
import type { Language } from "@academic-assist/sdk/contract";
import type { DocumentRecord, NoteRecord, UsageTotals } from "../domain/records.ts";
import { AppError } from "../errors/app-error.ts";
import { costOf } from "../llm/pricing.ts";
import type { NoteGenerator, NoteTemplateSpec } from "../ports/note-generator.ts";
import type { AppContext, ResolvedLlm } from "../wiring.ts";

/**
 * Cost control for note generation: estimates before a job starts, the note cache, and the
 * per-user monthly budget (LLM_MONTHLY_BUDGET_USD).
 *
 * Cache: two requests are identical when the document's bytes (sha256), template, language and the
 * provider and model the project resolves to (its own choice, else LLM_PROVIDER) are the same. A ready note of such a request in the same project
 * is copied into the new note (same Markdown, status `ready`, no job, no usage charged); the copy
 * keeps the original's frontmatter, tokens and cost included, since that is how the text was made.
 */

export interface NoteEstimateResult {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** USD; null offline (extractive) and when the model's price is unknown. */
  costUsd: number | null;
  /** True when an identical ready note exists in the project: creating one costs nothing. */
  cached: boolean;
}

/** The cache key of a note request (hex sha256). */
export function noteCacheKey(
  doc: Pick<DocumentRecord, "sha256">,
  template: string,
  language: Language,
  generator: { provider: string; model: string },
): string {
  return createHash("sha256")
    .update(JSON.stringify([doc.sha256, template, language, generator.provider, generator.model]))
    .digest("hex");
}

/** The language a note request resolves to: asked, else the template's, else the project's, else English. */
export async function noteLanguage(
  app: AppContext,
  doc: DocumentRecord,
  template: NoteTemplateSpec,
  asked: Language | undefined,
): Promise<Language> {
  if (asked) return asked;
  if (template.language) return template.language;
  const project = await app.repos.projects.findById(doc.projectId);
  return project?.language ?? "en";
}

/**
 * The language model and note generator of a project: its own choice (`llm`), else the default.
 * Fails with `llm_misconfigured` when the server no longer has the variables its choice needs.
 */
export async function resolveProjectLlm(app: AppContext, projectId: string): Promise<ResolvedLlm> {
  return app.llmProviders.forProject(await app.repos.projects.findById(projectId));
}

/** The request's cache key and the ready note of the project it would be served from, if any. */
export async function findCachedNote(
  app: AppContext,
  doc: DocumentRecord,
  template: NoteTemplateSpec,
  language: Language,
): Promise<{ cacheKey: string; cachedNote: NoteRecord | null }> {
  const { generator } = await resolveProjectLlm(app, doc.projectId);
  return cacheLookup(app, generator, doc, template, language);
}

async function cacheLookup(
  app: AppContext,
  { provider, model }: Pick<NoteGenerator, "provider" | "model">,
  doc: DocumentRecord,
  template: NoteTemplateSpec,
  language: Language,
): Promise<{ cacheKey: string; cachedNote: NoteRecord | null }> {
  const templateKey = template.fingerprint ? `${template.id}@${template.fingerprint}` : template.id;
  const cacheKey = noteCacheKey(doc, templateKey, language, { provider, model });
  return { cacheKey, cachedNote: await app.repos.notes.findReadyByCacheKey(doc.projectId, cacheKey) };
}

/** What generating this note with the project's provider would cost now, and the ready note that would be copied instead (if any). */
export async function estimateNote(
  app: AppContext,
  doc: DocumentRecord,
  template: NoteTemplateSpec,
  language: Language,
): Promise<{ estimate: NoteEstimateResult; cacheKey: string; cachedNote: NoteRecord | null }> {
  const { generator } = await resolveProjectLlm(app, doc.projectId);
  const { provider, model } = generator;
  const { cacheKey, cachedNote } = await cacheLookup(app, generator, doc, template, language);
  const [pages, chunks] = await Promise.all([
    app.repos.pages.list(doc.id),
    app.repos.chunks.listByDocument(doc.id),
  ]);
  const tokens = generator.estimate({ document: doc, pages, chunks, template, language });
  const costUsd = provider === "extractive" ? null : costOf(provider, model, tokens);
  return {
    estimate: {
      provider,
      model,
      inputTokens: tokens.inputTokens,
      outputTokens: tokens.outputTokens,
      costUsd,
      cached: cachedNote !== null,
    },
    cacheKey,
    cachedNote,
  };
}

/** `[from, to)` ISO bounds of a UTC calendar month `YYYY-MM` (default: the current one). */
export function monthRange(month?: string): { month: string; from: string; to: string } {
  const now = new Date();
  const m = month ?? `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
  const [year, mon] = m.split("-").map(Number) as [number, number];
  return {
    month: m,
    from: new Date(Date.UTC(year, mon - 1, 1)).toISOString(),
    to: new Date(Date.UTC(year, mon, 1)).toISOString(),
  };
}

/** The user's recorded usage this month. */
export function usageThisMonth(app: AppContext, userId: string): Promise<UsageTotals> {
  const { from, to } = monthRange();
  return app.repos.usage.totals({ userId, from, to });
}

const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;

/**
 * Refuses (402 `budget_exceeded`) when LLM_MONTHLY_BUDGET_USD is set and the user's recorded cost
 * this month plus `estimateUsd` would exceed it. An unknown price counts as 0.
 */
export async function assertWithinBudget(
  app: AppContext,
  userId: string,
  estimateUsd: number | null,
): Promise<void> {
  const budget = app.config.LLM_MONTHLY_BUDGET_USD;
  if (budget === undefined) return;
  const spent = (await usageThisMonth(app, userId)).costUsd;
  const estimate = estimateUsd ?? 0;
  if (spent + estimate > budget) {
    throw new AppError(
      "budget_exceeded",
      `This note would exceed your monthly LLM budget: spent ${usd(spent)} this month, this note is estimated at ${usd(estimate)}, budget ${usd(budget)}.`,
    );
  }
}
