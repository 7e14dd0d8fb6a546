import {
  AppError,
  newId,
  notFound,
  nowIso,
  type Access,
  type LlmProviders,
  type Repositories,
} from "@academic-assist/core";
import type { RequestHandler, Router } from "express";
import { toProjectDto } from "../../http/dto.ts";
import { register } from "../../http/endpoint.ts";
import type { ProjectCleanup } from "./project-cleanup.ts";

export function projectRoutes(
  router: Router,
  deps: {
    repos: Repositories;
    access: Access;
    requireAuth: RequestHandler;
    cleanup: ProjectCleanup;
    llmProviders: LlmProviders;
  },
): void {
  const { repos, access, llmProviders } = deps;
  const m = { auth: deps.requireAuth };

  register(router, "projects.create", m, async ({ user, body }) => {
    llmProviders.assertAvailable(body.llm);
    const at = nowIso();
    const project = await repos.projects.create(
      {
        id: newId("prj"),
        name: body.name,
        description: body.description,
        language: body.language,
        llm: body.llm,
        createdAt: at,
        updatedAt: at,
      },
      user.id,
    );
    return { status: 201, body: toProjectDto(project, "owner") };
  });

  register(router, "projects.list", m, async ({ user, query }) => {
    const page = await repos.projects.listForUser(user.id, { limit: query.limit, cursor: query.cursor });
    return {
      status: 200,
      body: { items: page.items.map((p) => toProjectDto(p, p.role)), nextCursor: page.nextCursor },
    };
  });

  register(router, "projects.get", m, async ({ user, params }) => {
    const role = await access.project(user.id, params.projectId);
    const project = await repos.projects.findById(params.projectId);
    if (!project) throw notFound("project", params.projectId);
    return { status: 200, body: toProjectDto(project, role) };
  });

  register(router, "projects.update", m, async ({ user, params, body }) => {
    // Choosing the provider decides where the project's documents are sent and who pays: owners only.
    const role = await access.project(user.id, params.projectId, body.llm === undefined ? "editor" : "owner");
    if (body.llm !== undefined) llmProviders.assertAvailable(body.llm);
    const patch = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    const project = await repos.projects.update(params.projectId, patch, nowIso());
    if (!project) throw notFound("project", params.projectId);
    return { status: 200, body: toProjectDto(project, role) };
  });

  register(router, "projects.delete", m, async ({ user, params }) => {
    await access.project(user.id, params.projectId, "owner");
    await deps.cleanup.deleteProject(params.projectId);
    return { status: 204 };
  });

  register(router, "members.list", m, async ({ user, params }) => {
    await access.project(user.id, params.projectId);
    const members = await repos.projects.listMembers(params.projectId);
    return {
      status: 200,
      body: {
        items: members.map((mb) => ({
          userId: mb.userId,
          email: mb.email,
          name: mb.name,
          role: mb.role,
          addedAt: mb.addedAt,
        })),
      },
    };
  });

  register(router, "members.add", m, async ({ user, params, body }) => {
    await access.project(user.id, params.projectId, "owner");
    const target = await repos.users.findByEmail(body.email);
    // The same answer whether or not the email has an account would hide who is registered, but an
    // owner adding a colleague needs to know; only project owners can ask, which bounds the leak.
    if (!target) throw new AppError("not_found", `No registered user has the email ${body.email}.`);
    const addedAt = nowIso();
    await repos.projects.addMember({
      projectId: params.projectId,
      userId: target.id,
      role: body.role,
      addedAt,
    });
    return {
      status: 201,
      body: { userId: target.id, email: target.email, name: target.name, role: body.role, addedAt },
    };
  });

  register(router, "members.update", m, async ({ user, params, body }) => {
    await access.project(user.id, params.projectId, "owner");
    const members = await repos.projects.listMembers(params.projectId);
    const target = members.find((mb) => mb.userId === params.userId);
    if (!target) throw notFound("member", params.userId);
    if (
      target.role === "owner" &&
      body.role !== "owner" &&
      members.filter((mb) => mb.role === "owner").length === 1
    ) {
      throw new AppError("conflict", "A project needs at least one owner; make someone else owner first.");
    }
    await repos.projects.updateMember(params.projectId, params.userId, body.role);
    return {
      status: 200,
      body: {
        userId: target.userId,
        email: target.email,
        name: target.name,
        role: body.role,
        addedAt: target.addedAt,
      },
    };
  });

  register(router, "members.remove", m, async ({ user, params }) => {
    const self = params.userId === user.id;
    await access.project(user.id, params.projectId, self ? "viewer" : "owner");
    const members = await repos.projects.listMembers(params.projectId);
    const target = members.find((mb) => mb.userId === params.userId);
    if (!target) throw notFound("member", params.userId);
    if (target.role === "owner" && members.filter((mb) => mb.role === "owner").length === 1) {
      throw new AppError(
        "conflict",
        "The last owner cannot leave; delete the project or make someone else owner first.",
      );
    }
    await repos.projects.removeMember(params.projectId, params.userId);
    return { status: 204 };
  });
}
