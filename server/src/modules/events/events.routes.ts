import type { Access, AppContext, EventRecord } from "@academic-assist/core";
import type { RequestHandler, Router } from "express";
import { toEventDto } from "../../http/dto.ts";
import { register } from "../../http/endpoint.ts";

const KEEPALIVE_MS = 15_000;

export function eventRoutes(
  router: Router,
  deps: { app: AppContext; access: Access; requireAuth: RequestHandler },
): void {
  const { app, access } = deps;

  register(router, "events.stream", { auth: deps.requireAuth }, async ({ user, query, req, res }) => {
    let projectIds: string[];
    if (query.projectId) {
      await access.project(user.id, query.projectId);
      projectIds = [query.projectId];
    } else {
      projectIds = await app.repos.projects.projectIdsForUser(user.id);
    }
    const lastEventId = req.get("last-event-id");
    const resumeFrom = query.after ?? (lastEventId && /^\d+$/.test(lastEventId) ? lastEventId : undefined);
    const wantsStream = (req.get("accept") ?? "").includes("text/event-stream");

    // Without a resume point both forms start from now: a fresh client wants what happens next,
    // not the whole history. `after=0` replays everything still kept.
    if (!wantsStream) {
      let cursor = resumeFrom ?? (await app.events.latestId());
      let items = await app.events.list(cursor, projectIds, query.limit);
      if (items.length === 0 && query.wait > 0) {
        items = await waitForEvents(app, cursor, projectIds, query.limit, query.wait * 1000, req);
      }
      cursor = items.at(-1)?.id ?? cursor;
      return { status: 200, body: { items: items.map(toEventDto), lastEventId: cursor } };
    }

    let cursor = resumeFrom ?? (await app.events.latestId());
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-store, no-transform");
    res.setHeader("Connection", "keep-alive");
    res.setHeader("X-Accel-Buffering", "no");
    res.flushHeaders();
    res.write("retry: 3000\n\n");

    let closed = false;
    let draining = false;
    let again = false;
    const send = (e: EventRecord) => {
      res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(toEventDto(e))}\n\n`);
    };
    const drain = async () => {
      if (draining) {
        again = true;
        return;
      }
      draining = true;
      try {
        do {
          again = false;
          for (;;) {
            const batch = await app.events.list(cursor, projectIds, 200);
            if (closed || batch.length === 0) break;
            for (const e of batch) send(e);
            cursor = batch.at(-1)!.id;
          }
        } while (again && !closed);
      } catch (err) {
        app.logger.warn({ err }, "event stream read failed");
      } finally {
        draining = false;
      }
    };
    const unwatch = app.events.watch(() => void drain());
    const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
    keepalive.unref();
    const stop = () => {
      closed = true;
      clearInterval(keepalive);
      unwatch();
    };
    req.on("close", stop);
    res.on("close", stop);
    await drain();
    return null;
  });
}

/** Resolves with the first events after `after`, or [] when `timeoutMs` passes or the client leaves. */
function waitForEvents(
  app: AppContext,
  after: string | null,
  projectIds: string[],
  limit: number,
  timeoutMs: number,
  req: { on(event: "close", fn: () => void): unknown },
): Promise<EventRecord[]> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (items: EventRecord[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unwatch();
      resolve(items);
    };
    const timer = setTimeout(() => {
      finish([]);
    }, timeoutMs);
    const unwatch = app.events.watch(() => {
      app.events.list(after, projectIds, limit).then(
        (items) => {
          if (items.length > 0) finish(items);
        },
        () => {
          finish([]);
        },
      );
    });
    req.on("close", () => {
      finish([]);
    });
  });
}
