import { notFound, type Access, type AppContext } from "@academic-assist/core";
import type { RequestHandler, Router } from "express";
import { toJobDto } from "../../http/dto.ts";
import { register } from "../../http/endpoint.ts";

export function jobRoutes(
  router: Router,
  deps: { app: AppContext; access: Access; requireAuth: RequestHandler },
): void {
  const { app, access } = deps;
  const m = { auth: deps.requireAuth };

  register(router, "jobs.get", m, async ({ user, params }) => {
    const job = await app.queue.get(params.jobId);
    const role = job ? await app.repos.projects.roleOf(job.projectId, user.id) : null;
    if (!job || !role) throw notFound("job", params.jobId);
    return { status: 200, body: toJobDto(job) };
  });

  register(router, "jobs.list", m, async ({ user, params, query }) => {
    await access.project(user.id, params.projectId);
    const page = await app.queue.listByProject(params.projectId, {
      limit: query.limit,
      cursor: query.cursor,
      status: query.status,
    });
    return { status: 200, body: { items: page.items.map(toJobDto), nextCursor: page.nextCursor } };
  });
}
