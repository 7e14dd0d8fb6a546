import { AppError } from "@academic-assist/core";

/**
 * A fixed-window limiter kept in memory (per process): enough to slow password guessing on one
 * server. With several auth replicas each counts on its own; the deployment's WAF rate rule on
 * /api/v1/auth/ (infra/src/edge-stack.ts) is the fleet-wide bound.
 */
export class RateLimiter {
  private readonly hits = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts a hit for `key`; 429 problem (with a retry time) once over the limit. */
  hit(key: string): void {
    const now = Date.now();
    if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (v.resetAt <= now) this.hits.delete(k);
    const entry = this.hits.get(key);
    if (!entry || entry.resetAt <= now) {
      this.hits.set(key, { count: 1, resetAt: now + this.windowMs });
      return;
    }
    entry.count++;
    if (entry.count > this.limit) {
      const seconds = Math.ceil((entry.resetAt - now) / 1000);
      throw new AppError("rate_limited", `Too many attempts; try again in ${seconds} s.`);
    }
  }

  retryAfterSeconds(key: string): number {
    const entry = this.hits.get(key);
    return entry ? Math.max(1, Math.ceil((entry.resetAt - Date.now()) / 1000)) : 1;
  }
}
