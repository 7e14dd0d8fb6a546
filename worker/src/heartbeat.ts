import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Options of {@link startHeartbeat}. */
export interface HeartbeatOptions {
  /** File whose modification time says when the worker last proved itself alive. */
  file: string;
  /** How often to check and touch the file, in milliseconds. */
  intervalMs: number;
  /**
   * What "alive" means beyond a turning event loop: the worker is useless without its queue, so the
   * worker passes the queue's ping. The file is touched only when this resolves true in time.
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
}

/**
 * Container health for a process without an HTTP port: every `intervalMs` the worker runs `check`
 * and, when it passes, rewrites `file` (atomically, via rename). The image's HEALTHCHECK (and the
 * ECS container health check) call `healthcheck.mjs file <file> <maxAgeSeconds>`, which fails when
 * the file is older than that — the event loop is stuck, or the queue has not answered for a while.
 */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { file, intervalMs, check } = options;
  const checkTimeoutMs = options.checkTimeoutMs ?? intervalMs;
  mkdirSync(path.dirname(file), { recursive: true });
  let failing = false;
  let stopped = false;

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
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${new Date().toISOString()}\n`);
      renameSync(tmp, file);
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
      rmSync(file, { force: true });
    },
    beat,
  };
}
