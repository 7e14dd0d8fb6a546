import {
  isAppError,
  processMetrics,
  queueDepthMetrics,
  renderSamples,
  type AppContext,
} from "@academic-assist/core";
import type { Router } from "express";
import { buildOpenApiDocument } from "@academic-assist/sdk/contract";
import type { Area, ServiceRole } from "../../config.ts";

/** A check is ok when it resolves to true (or nothing); false, a throw or the timeout is an error. */
type Check = () => Promise<boolean | undefined | string>;

/** One dependency's state in the /readyz body. */
export interface DependencyState {
  status: "ok" | "error";
  latencyMs: number;
  /** Why it is not ok: `timeout`, `unavailable`, an error code, or an upstream's failing checks. Never a message that could carry a secret. */
  error?: string;
}

const CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: Check): Promise<DependencyState> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), CHECK_TIMEOUT_MS);
  });
  let error: string | undefined;
  try {
    const result = await Promise.race([check(), timeout]);
    if (result === "timeout") error = "timeout";
    else if (result === false) error = "unavailable";
    else if (typeof result === "string") error = result;
  } catch (err) {
    const code = isAppError(err) ? err.code : (err as { code?: unknown } | null)?.code;
    error = typeof code === "string" && /^[A-Za-z_]{1,40}$/.test(code) ? code : "unavailable";
  } finally {
    clearTimeout(timer);
  }
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  return error ? { status: "error", latencyMs, error } : { status: "ok", latencyMs };
}

/** The upstream role's /readyz: ok on 200; otherwise the names of its failing dependencies. */
function upstreamCheck(base: string): Check {
  return async () => {
    const res = await fetch(new URL("/readyz", base), { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    if (res.ok) {
      await res.body?.cancel();
      return true;
    }
    const body = (await res.json().catch(() => null)) as {
      dependencies?: Record<string, DependencyState>;
    } | null;
    const failing = Object.entries(body?.dependencies ?? {})
      .filter(([, d]) => d.status !== "ok")
      .map(([name]) => name);
    return failing.length > 0 ? `not ready: ${failing.join(", ")}` : `status ${res.status}`;
  };
}

/**
 * /healthz (alive), /readyz (every dependency by name, with latency), /metrics (Prometheus text),
 * /api/v1/openapi.json — on every role. The gateway's dependencies are the metadata store (it
 * authenticates) and each upstream role; every other role's are the stores behind the ports.
 */
export function healthRoutes(
  root: Router,
  app: AppContext,
  metrics: { render(): string },
  options: { role: ServiceRole; upstreams: Record<Area, string | null> },
): void {
  const checks: Record<string, Check> =
    options.role === "gateway"
      ? {
          metadata: () => app.repos.ping(),
          ...Object.fromEntries(
            Object.entries(options.upstreams)
              .filter((e): e is [Area, string] => e[1] !== null)
              .map(([area, base]) => [`upstream:${area}`, upstreamCheck(base)]),
          ),
        }
      : {
          metadata: () => app.repos.ping(),
          blobs: () => app.blobs.ping(),
          queue: () => app.queue.ping(),
          search: () => app.search.ping(),
          events: async () => {
            await app.events.latestId();
            return true;
          },
        };

  root.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  root.get("/readyz", async (_req, res) => {
    const names = Object.keys(checks);
    const states = await Promise.all(names.map((name) => runCheck(checks[name]!)));
    const dependencies = Object.fromEntries(names.map((name, i) => [name, states[i]!]));
    const ready = states.every((s) => s.status === "ok");
    res.status(ready ? 200 : 503).json({
      status: ready ? "ready" : "unavailable",
      service: options.role,
      // `checks` is the original short form; `dependencies` adds latency and the reason.
      checks: Object.fromEntries(names.map((name, i) => [name, states[i]!.status === "ok" ? "up" : "down"])),
      dependencies,
    });
  });

  let openapi: string | null = null;
  root.get("/api/v1/openapi.json", (_req, res) => {
    openapi ??= JSON.stringify(buildOpenApiDocument());
    res.type("application/json").send(openapi);
  });

  root.get("/metrics", async (_req, res) => {
    const lines = [metrics.render(), ...(await queueDepthMetrics(app.queue, app.logger))];
    lines.push(
      ...renderSamples("academic_assist_up", "gauge", "1 while this process serves; `service` is its role.", [
        { labels: { service: options.role }, value: 1 },
      ]),
      ...processMetrics(),
    );
    res.type("text/plain; version=0.0.4").send(lines.join("\n") + "\n");
  });
}
