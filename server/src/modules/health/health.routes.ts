import type { AppContext } from "@academic-assist/core";
import type { Router } from "express";
import { buildOpenApiDocument, QueueName } from "@academic-assist/sdk/contract";

/** /healthz (alive), /readyz (dependencies answer), /metrics (Prometheus text), /api/v1/openapi.json. */
export function healthRoutes(root: Router, app: AppContext, metrics: { render(): string }): void {
  root.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  root.get("/readyz", async (_req, res) => {
    const timed = async (check: () => Promise<boolean>) => {
      const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref());
      try {
        return await Promise.race([check(), timeout]);
      } catch {
        return false;
      }
    };
    const checks = {
      metadata: await timed(() => app.repos.ping()),
      blobs: await timed(() => app.blobs.ping()),
      queue: await timed(() => app.queue.ping()),
      search: await timed(() => app.search.ping()),
    };
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({
      status: ready ? "ready" : "unavailable",
      checks: Object.fromEntries(Object.entries(checks).map(([k, v]) => [k, v ? "up" : "down"])),
    });
  });

  let openapi: string | null = null;
  root.get("/api/v1/openapi.json", (_req, res) => {
    openapi ??= JSON.stringify(buildOpenApiDocument());
    res.type("application/json").send(openapi);
  });

  root.get("/metrics", async (_req, res) => {
    const counts = await app.queue.counts();
    const lines = [
      metrics.render(),
      "# HELP academic_assist_queue_jobs Jobs per queue and status.",
      "# TYPE academic_assist_queue_jobs gauge",
    ];
    for (const queue of QueueName.options) {
      for (const [status, n] of Object.entries(counts[queue])) {
        lines.push(`academic_assist_queue_jobs{queue="${queue}",status="${status}"} ${n}`);
      }
    }
    res.type("text/plain; version=0.0.4").send(lines.join("\n") + "\n");
  });
}
