import { TEMPLATE_LIMITS } from "@academic-assist/sdk/contract";
import { newId, nowIso } from "../domain/ids.ts";
import type { DocumentRecord, TemplateRecord } from "../domain/records.ts";
import { AppError, notFound } from "../errors/app-error.ts";
import {
  customTemplateSpec,
  parseSkeleton,
  renderSkeleton,
  SAMPLE_METADATA,
  templateVariables,
} from "../notes/custom-templates.ts";
import { neutralizeMarkdown } from "../notes/neutralize.ts";
import { BUILT_IN_TEMPLATES, getTemplate } from "../notes/templates.ts";
import type { NoteTemplateSpec } from "../ports/note-generator.ts";
import type { Repositories, TemplatePatch } from "../ports/repositories.ts";

/**
 * The template a note of `projectId` asks for: a built-in one by name, or a custom template of
 * that project by id. Null when there is none (another project's template counts as none).
 */
export async function resolveNoteTemplate(
  repos: Repositories,
  projectId: string,
  id: string,
): Promise<NoteTemplateSpec | null> {
  const builtIn = getTemplate(id);
  if (builtIn) return builtIn;
  const record = await repos.templates.findById(id);
  return record && record.projectId === projectId ? customTemplateSpec(record) : null;
}

/**
 * Like {@link resolveNoteTemplate}, but a missing template is a 400 on `body.template` listing what
 * the project can use.
 */
export async function requireNoteTemplate(
  repos: Repositories,
  projectId: string,
  id: string,
): Promise<NoteTemplateSpec> {
  const template = await resolveNoteTemplate(repos, projectId, id);
  if (template) return template;
  throw new AppError("validation_failed", `body.template: unknown template "${id}"`, {
    fieldErrors: [
      {
        path: "body.template",
        message: `unknown template; one of ${BUILT_IN_TEMPLATES.map((t) => t.id).join(", ")} or a template id of this project (GET /projects/{projectId}/templates)`,
      },
    ],
  });
}

/** 400 `validation_failed` with every problem of the skeleton (line and column each) when it has any. */
function assertValidSkeleton(skeleton: string): void {
  const { problems } = parseSkeleton(skeleton);
  if (problems.length === 0) return;
  const first = problems[0]!;
  throw new AppError(
    "validation_failed",
    `${first.path} (line ${first.line}, column ${first.column}): ${first.message}` +
      (problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ""),
    { fieldErrors: problems },
  );
}

/** Stores a new custom template of the project after validating its skeleton. Access is the caller's. */
export async function createTemplate(
  repos: Repositories,
  input: Omit<TemplateRecord, "id" | "createdAt" | "updatedAt">,
): Promise<TemplateRecord> {
  assertValidSkeleton(input.skeleton);
  if ((await repos.templates.countByProject(input.projectId)) >= TEMPLATE_LIMITS.perProject) {
    throw new AppError(
      "conflict",
      `A project holds at most ${TEMPLATE_LIMITS.perProject} custom templates; delete one first.`,
    );
  }
  const at = nowIso();
  return repos.templates.create({ ...input, id: newId("tpl"), createdAt: at, updatedAt: at });
}

/** Applies a validated patch; 404 when the template is gone meanwhile. Access is the caller's. */
export async function updateTemplate(
  repos: Repositories,
  id: string,
  patch: TemplatePatch,
): Promise<TemplateRecord> {
  if (patch.skeleton !== undefined) assertValidSkeleton(patch.skeleton);
  const updated = await repos.templates.update(id, patch, nowIso());
  if (!updated) throw notFound("template", id);
  return updated;
}

/**
 * A skeleton rendered without a model: against the document's metadata, or {@link SAMPLE_METADATA};
 * each section shows as one placeholder bullet. Empty Markdown when the skeleton has problems.
 */
export function previewTemplate(
  skeleton: string,
  document: Pick<DocumentRecord, "filename" | "metadata"> | null,
): { markdown: string; sections: string[]; problems: ReturnType<typeof parseSkeleton>["problems"] } {
  const parsed = parseSkeleton(skeleton);
  const sections = parsed.sections.map((s) => s.heading);
  if (parsed.problems.length > 0) return { markdown: "", sections, problems: parsed.problems };
  const variables = templateVariables(
    document ?? { filename: "sample.pdf", metadata: SAMPLE_METADATA },
    nowIso(),
  );
  const markdown = renderSkeleton(
    skeleton,
    variables,
    parsed.sections.map((s) => [
      `- _(${neutralizeMarkdown(s.heading)}: generated statements, each citing its page)_`,
    ]),
  );
  return { markdown, sections, problems: [] };
}
