import {
  BUILT_IN_TEMPLATES,
  createTemplate,
  notFound,
  previewTemplate,
  updateTemplate,
  type Access,
  type AppContext,
  type TemplateRecord,
} from "@academic-assist/core";
import type { Template } from "@academic-assist/sdk/contract";
import type { RequestHandler, Router } from "express";
import { toCustomTemplateDto } from "../../http/dto.ts";
import { register } from "../../http/endpoint.ts";

const builtInDtos = (): Template[] =>
  BUILT_IN_TEMPLATES.map((t) => ({
    id: t.id,
    name: t.name,
    description: t.description ?? t.sections.map((s) => s.heading).join(", "),
    builtIn: true,
    sections: t.sections.map((s) => s.heading),
  }));

/** Note templates: the built-in ones and each project's custom templates (prompt + skeleton). */
export function templateRoutes(
  router: Router,
  deps: { app: AppContext; access: Access; requireAuth: RequestHandler },
): void {
  const { app, access } = deps;
  const m = { auth: deps.requireAuth };

  /** The template if the user may see its project (404 otherwise, as for a missing one). */
  const visibleTemplate = async (userId: string, id: string, min: "viewer" | "editor" = "viewer") => {
    const template = await app.repos.templates.findById(id);
    if (!template || !(await app.repos.projects.roleOf(template.projectId, userId)))
      throw notFound("template", id);
    await access.project(userId, template.projectId, min);
    return template;
  };

  register(router, "templates.list", m, async () => ({ status: 200, body: { items: builtInDtos() } }));

  register(router, "templates.listProject", m, async ({ user, params }) => {
    await access.project(user.id, params.projectId);
    const own = await app.repos.templates.listByProject(params.projectId);
    const items: Template[] = [
      ...builtInDtos(),
      ...own.map((t) => {
        const dto = toCustomTemplateDto(t);
        return {
          id: dto.id,
          name: dto.name,
          description: dto.description,
          builtIn: false,
          sections: dto.sections,
          projectId: dto.projectId,
        };
      }),
    ];
    return { status: 200, body: { items } };
  });

  register(router, "templates.create", m, async ({ user, params, body }) => {
    await access.project(user.id, params.projectId, "editor");
    const template = await createTemplate(app.repos, {
      projectId: params.projectId,
      name: body.name,
      description: body.description,
      language: body.language,
      prompt: body.prompt,
      skeleton: body.skeleton,
      createdBy: user.id,
    });
    return { status: 201, body: toCustomTemplateDto(template) };
  });

  register(router, "templates.preview", m, async ({ user, params, body }) => {
    await access.project(user.id, params.projectId);
    let document = null;
    if (body.documentId) {
      const doc = await access.document(user.id, body.documentId);
      if (doc.projectId !== params.projectId) throw notFound("document", body.documentId);
      document = doc;
    }
    return { status: 200, body: previewTemplate(body.skeleton, document) };
  });

  register(router, "templates.get", m, async ({ user, params }) => {
    const template = await visibleTemplate(user.id, params.templateId);
    return { status: 200, body: toCustomTemplateDto(template) };
  });

  register(router, "templates.update", m, async ({ user, params, body }) => {
    const template: TemplateRecord = await visibleTemplate(user.id, params.templateId, "editor");
    const updated = await updateTemplate(app.repos, template.id, body);
    return { status: 200, body: toCustomTemplateDto(updated) };
  });

  register(router, "templates.delete", m, async ({ user, params }) => {
    const template = await visibleTemplate(user.id, params.templateId, "editor");
    await app.repos.templates.delete(template.id);
    return { status: 204 };
  });
}
