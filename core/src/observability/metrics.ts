import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { QueueName } from "@academic-assist/sdk/contract";
import type { Logger } from "../logger.ts";
import type { JobQueue } from "../ports/job-queue.ts";

/**
 * Prometheus text exposition, written by hand: the handful of series the server and the worker
 * export do not justify a metrics library. Label values are escaped as the format requires.
 */
const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

/** `{a="x",b="y"}` for a label set (empty string for none). */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

/** A Prometheus histogram with labels (cumulative buckets, `_sum`, `_count`). */
export class Histogram {
  private readonly series = new Map<
    string,
    { labels: string; counts: number[]; sum: number; count: number }
  >();

  /**
   * @param name metric name, e.g. `http_request_duration_seconds`
   * @param help one line for `# HELP`
   * @param buckets upper bounds in ascending order (`+Inf` is added)
   */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  /** Records one observation of `value` for the label set. */
  observe(labels: Readonly<Record<string, string>>, value: number): void {
    const key = formatLabels(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: key, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    s.count++;
    s.sum += value;
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]!++;
    });
  }

  /** The histogram's lines in text format, `# HELP` and `# TYPE` included. */
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      const inner = s.labels.slice(1, -1);
      const withLe = (le: string) => `{${inner ? `${inner},` : ""}le="${le}"}`;
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${withLe(String(b))} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${withLe("+Inf")} ${s.count}`);
      out.push(`${this.name}_sum${s.labels} ${s.sum}`);
      out.push(`${this.name}_count${s.labels} ${s.count}`);
    }
    return out;
  }
}

/** A gauge or counter with one value per label set, rendered with `# HELP` and `# TYPE`. */
export function renderSamples(
  name: string,
  type: "gauge" | "counter",
  help: string,
  samples: readonly { labels?: Readonly<Record<string, string>>; value: number }[],
): string[] {
  return [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} ${type}`,
    ...samples.map((s) => `${name}${formatLabels(s.labels ?? {})} ${s.value}`),
  ];
}

let loopDelay: IntervalHistogram | null = null;

/**
 * Memory, CPU and event-loop lag of this process. Lag figures cover the time since the previous
 * scrape (the delay monitor is reset after each call), so a stall shows on the next scrape.
 */
export function processMetrics(): string[] {
  if (!loopDelay) {
    loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
  }
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  const ns = (n: number) => (Number.isFinite(n) ? n / 1e9 : 0);
  const lag = {
    mean: ns(loopDelay.mean),
    p99: ns(loopDelay.percentile(99)),
    max: ns(loopDelay.max),
  };
  loopDelay.reset();
  return [
    ...renderSamples("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", [
      { value: mem.rss },
    ]),
    ...renderSamples("nodejs_heap_size_used_bytes", "gauge", "V8 heap in use, in bytes.", [
      { value: mem.heapUsed },
    ]),
    ...renderSamples("nodejs_heap_size_total_bytes", "gauge", "V8 heap reserved, in bytes.", [
      { value: mem.heapTotal },
    ]),
    ...renderSamples(
      "nodejs_external_memory_bytes",
      "gauge",
      "Memory of C++ objects bound to JS (buffers), in bytes.",
      [{ value: mem.external }],
    ),
    ...renderSamples("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.", [
      { value: (cpu.user + cpu.system) / 1e6 },
    ]),
    ...renderSamples(
      "process_start_time_seconds",
      "gauge",
      "Start time of the process since the Unix epoch, in seconds.",
      [{ value: Math.round(Date.now() / 1000 - process.uptime()) }],
    ),
    ...renderSamples(
      "nodejs_eventloop_lag_seconds",
      "gauge",
      "Mean event-loop delay since the previous scrape.",
      [{ value: lag.mean }],
    ),
    ...renderSamples(
      "nodejs_eventloop_lag_p99_seconds",
      "gauge",
      "99th percentile event-loop delay since the previous scrape.",
      [{ value: lag.p99 }],
    ),
    ...renderSamples(
      "nodejs_eventloop_lag_max_seconds",
      "gauge",
      "Longest event-loop delay since the previous scrape.",
      [{ value: lag.max }],
    ),
  ];
}

/**
 * `academic_assist_queue_jobs{queue,status}` from the queue's counts — what dashboards and the
 * autoscaler read — or no lines when the queue's store does not answer (the gap shows it is down;
 * the scrape still answers with the rest). Served by the server roles and the worker alike.
 */
export async function queueDepthMetrics(
  queue: Pick<JobQueue, "counts">,
  logger: Pick<Logger, "warn">,
): Promise<string[]> {
  try {
    const counts = await queue.counts();
    return renderSamples(
      "academic_assist_queue_jobs",
      "gauge",
      "Jobs per queue and status.",
      QueueName.options.flatMap((name) =>
        Object.entries(counts[name]).map(([status, value]) => ({ labels: { queue: name, status }, value })),
      ),
    );
  } catch (err) {
    logger.warn({ err }, "queue counts unavailable for /metrics");
    return [];
  }
}
