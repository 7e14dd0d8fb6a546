import type { RequestHandler } from "express";

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Request rate and latency per route and status, in Prometheus text format. */
export class HttpMetrics {
  private readonly series = new Map<string, { count: number; sum: number; buckets: number[] }>();

  middleware(): RequestHandler {
    return (req, res, next) => {
      const started = process.hrtime.bigint();
      res.on("finish", () => {
        // The matched route pattern, never the raw path (ids would explode the label set).
        const route = (req.route as { path?: string } | undefined)?.path;
        const label = `method="${req.method}",route="${route ? req.baseUrl + route : "unmatched"}",status="${res.statusCode}"`;
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        let s = this.series.get(label);
        if (!s) this.series.set(label, (s = { count: 0, sum: 0, buckets: BUCKETS.map(() => 0) }));
        s.count++;
        s.sum += seconds;
        BUCKETS.forEach((b, i) => {
          if (seconds <= b) s.buckets[i]!++;
        });
      });
      next();
    };
  }

  render(): string {
    const out = [
      "# HELP http_request_duration_seconds HTTP request latency.",
      "# TYPE http_request_duration_seconds histogram",
    ];
    for (const [label, s] of this.series) {
      BUCKETS.forEach((b, i) =>
        out.push(`http_request_duration_seconds_bucket{${label},le="${b}"} ${s.buckets[i]}`),
      );
      out.push(`http_request_duration_seconds_bucket{${label},le="+Inf"} ${s.count}`);
      out.push(`http_request_duration_seconds_sum{${label}} ${s.sum}`);
      out.push(`http_request_duration_seconds_count{${label}} ${s.count}`);
    }
    return out.join("\n");
  }
}
