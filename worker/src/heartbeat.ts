import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Options of {@link startHeartbeat}. */
export interface HeartbeatOptions {
  /**
   * File whose modification time says when the worker last proved itself alive (the image's Docker
   * HEALTHCHECK reads it). Unset = the result is only kept in memory, for the worker's /healthz.
   */
  file?: string | undefined;
  /** How often to check and touch the file, in milliseconds. */
  intervalMs: number;
  /**
   * What "alive" means beyond a turning event loop: the worker is useless without its queue and its
   * consumers, so the worker passes "every consumer is running and the queue answers a ping". The
   * file is touched only when this resolves true in time.
   */
  check: () => Promise<boolean>;
  /** A check slower than this counts as failed (default: the interval). */
  checkTimeoutMs?: number;
  /** Told about a failed check, once per failure streak (so a long outage logs one line). */
  onFailure?: (err: unknown) => void;
}

/** A running heartbeat; `stop()` ends it and removes the file, so a draining worker reads unhealthy. */
export interface Heartbeat {
  stop(): void;
  /** Resolves after the next beat (tests). */
  beat(): Promise<boolean>;
  /**
   * Whether the last check that passed is at most `maxAgeMs` old, and the heartbeat still runs:
   * false once stopped (draining), when the checks fail, or when they stopped running at all.
   */
  alive(maxAgeMs: number): boolean;
}

/**
 * The worker's liveness: every `intervalMs` it runs `check` and, when it passes, records the time
 * and rewrites `file` (atomically, via rename). Two probes read it: the image's HEALTHCHECK calls
 * `healthcheck.mjs file <file> <maxAgeSeconds>`, which fails when the file is older than that; the
 * worker's `GET /healthz` (the compose and ECS health checks) answers 503 when {@link Heartbeat.alive}
 * is false. Either way: the event loop is stuck, a consumer stopped, or the queue has not answered
 * for a while.
 */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { file, intervalMs, check } = options;
  const checkTimeoutMs = options.checkTimeoutMs ?? intervalMs;
  if (file) mkdirSync(path.dirname(file), { recursive: true });
  let failing = false;
  let stopped = false;
  let lastOkAt: number | null = null;

  const beat = async (): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`health check did not answer within ${checkTimeoutMs} ms`));
      }, checkTimeoutMs);
    });
    try {
      const ok = await Promise.race([check(), timeout]);
      if (!ok) throw new Error("health check answered false");
      if (stopped) return false;
      if (file) {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, `${new Date().toISOString()}\n`);
        renameSync(tmp, file);
      }
      lastOkAt = Date.now();
      failing = false;
      return true;
    } catch (err) {
      if (!failing) options.onFailure?.(err);
      failing = true;
      return false;
    } finally {
      clearTimeout(timer);
    }
  };

  void beat();
  const interval = setInterval(() => void beat(), intervalMs);
  interval.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(interval);
      if (file) rmSync(file, { force: true });
    },
    beat,
    alive: (maxAgeMs) => !stopped && lastOkAt !== null && Date.now() - lastOkAt <= maxAgeMs,
  };
}
