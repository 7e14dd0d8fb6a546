import http from "node:http";
import type { AddressInfo } from "node:net";
import { Histogram, processMetrics, queueDepthMetrics, type AppContext } from "@academic-assist/core";
import type { QueueName as Queue } from "@academic-assist/sdk/contract";

/** Job run times span milliseconds (indexing a short paper) to many minutes (OCR of a thesis). */
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/**
 * What the worker measures: how long each delivery of a job ran, per queue and outcome. Only the
 * worker sees a handler start and end, so it exports these itself (the server exports queue depth).
 */
export class JobMetrics {
  private readonly durations = new Histogram(
    "academic_assist_job_duration_seconds",
    "Run time of one delivery of a job, per queue and outcome (completed, failed).",
    JOB_BUCKETS,
  );

  /** Records one delivery of a job of `queue` that ran `seconds` and ended with `outcome`. */
  observe(queue: Queue, outcome: "completed" | "failed", seconds: number): void {
    this.durations.observe({ queue, outcome }, seconds);
  }

  /** Prometheus text: job durations, queue depth per queue and status, process metrics. */
  async render(app: AppContext): Promise<string> {
    const lines = [...this.durations.render(), ...(await queueDepthMetrics(app.queue, app.logger))];
    lines.push(...processMetrics());
    return lines.join("\n") + "\n";
  }
}

/**
 * The worker's tiny HTTP listener: `GET /metrics` (Prometheus text) and `GET /healthz`, which answers
 * 200 only while `alive()` says the worker is useful — its consumers run and its queue answers
 * (see heartbeat.ts) — and 503 otherwise, so a container health check replaces a hung worker.
 */
export async function startMetricsServer(
  app: AppContext,
  metrics: JobMetrics,
  options: { port: number; host: string; alive: () => boolean },
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/metrics") {
      metrics.render(app).then(
        (text) => {
          res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(text);
        },
        () => {
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (req.method === "GET" && path === "/healthz") {
      const ok = options.alive();
      res
        .writeHead(ok ? 200 : 503, { "content-type": "application/json" })
        .end(ok ? '{"status":"ok"}' : '{"status":"unavailable"}');
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
