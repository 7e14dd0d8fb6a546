import { Histogram, renderSamples } from "@academic-assist/core";
import type { RequestHandler } from "express";

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Request rate and latency per route and status, in Prometheus text format. */
export class HttpMetrics {
  private readonly histogram = new Histogram(
    "http_request_duration_seconds",
    "HTTP request latency.",
    BUCKETS,
  );

  private readonly extra: {
    name: string;
    type: "gauge" | "counter";
    help: string;
    read: () => { labels?: Record<string, string>; value: number }[];
  }[] = [];

  /** Adds a gauge or counter whose samples are read at each scrape. */
  add(
    name: string,
    type: "gauge" | "counter",
    help: string,
    read: () => { labels?: Record<string, string>; value: number }[],
  ): void {
    this.extra.push({ name, type, help, read });
  }

  middleware(): RequestHandler {
    return (req, res, next) => {
      const started = process.hrtime.bigint();
      res.on("finish", () => {
        // The matched route pattern, never the raw path (ids would explode the label set).
        const route = (req.route as { path?: string } | undefined)?.path;
        this.histogram.observe(
          {
            method: req.method,
            route: route ? req.baseUrl + route : "unmatched",
            status: String(res.statusCode),
          },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
      });
      next();
    };
  }

  render(): string {
    return [
      ...this.histogram.render(),
      ...this.extra.flatMap((m) => renderSamples(m.name, m.type, m.help, m.read())),
    ].join("\n");
  }
}
