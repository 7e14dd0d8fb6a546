import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHeartbeat, type Heartbeat } from "./heartbeat.ts";

describe("worker heartbeat", () => {
  let dir: string;
  let heartbeat: Heartbeat | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "aa-heartbeat-"));
  });

  afterEach(() => {
    heartbeat?.stop();
    heartbeat = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("when the queue answers, then the file is written at once and refreshed on every beat", async () => {
    const file = path.join(dir, "run", "worker.heartbeat");

    heartbeat = startHeartbeat({ file, intervalMs: 60_000, check: () => Promise.resolve(true) });
    await expect(heartbeat.beat()).resolves.toBe(true);
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(file, old, old);
    await heartbeat.beat();

    expect(Date.now() - statSync(file).mtimeMs).toBeLessThan(5_000);
    expect(Number.isNaN(Date.parse(readFileSync(file, "utf8").trim()))).toBe(false);
  });

  it("when the queue stops answering, then the file is left to go stale and the outage is reported once", async () => {
    const file = path.join(dir, "worker.heartbeat");
    let up = true;
    const failures: unknown[] = [];
    heartbeat = startHeartbeat({
      file,
      intervalMs: 60_000,
      checkTimeoutMs: 50,
      check: () => (up ? Promise.resolve(true) : new Promise<boolean>(() => undefined)),
      onFailure: (err) => failures.push(err),
    });
    await heartbeat.beat();
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(file, old, old);

    up = false;
    const results = [await heartbeat.beat(), await heartbeat.beat()];

    expect(results).toEqual([false, false]);
    expect(Date.now() - statSync(file).mtimeMs).toBeGreaterThan(3_000_000);
    expect(failures).toHaveLength(1);
  });

  it("when the check rejects, then the beat fails without throwing", async () => {
    const file = path.join(dir, "worker.heartbeat");
    heartbeat = startHeartbeat({
      file,
      intervalMs: 60_000,
      check: () => Promise.reject(new Error("ECONNREFUSED")),
    });

    await expect(heartbeat.beat()).resolves.toBe(false);

    expect(existsSync(file)).toBe(false);
  });

  it("when no file is configured, then the result is kept in memory: alive after a passing check, not after a stale or failed one", async () => {
    let up = true;
    heartbeat = startHeartbeat({
      intervalMs: 60_000,
      checkTimeoutMs: 50,
      check: () => Promise.resolve(up),
    });
    await heartbeat.beat();
    const fresh = heartbeat.alive(10_000);

    up = false;
    await heartbeat.beat();
    const afterFailure = heartbeat.alive(10_000);
    await new Promise((r) => setTimeout(r, 30));

    expect(fresh).toBe(true);
    // A failed check does not refresh: the last pass still counts until it is older than the limit.
    expect(afterFailure).toBe(true);
    expect(heartbeat.alive(20)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("when the worker stops (draining), then alive() is false at once", async () => {
    heartbeat = startHeartbeat({ intervalMs: 60_000, check: () => Promise.resolve(true) });
    await heartbeat.beat();

    heartbeat.stop();

    expect(heartbeat.alive(60_000)).toBe(false);
  });

  it("when the worker stops (draining), then the file is removed so the container reads unhealthy", async () => {
    const file = path.join(dir, "worker.heartbeat");
    heartbeat = startHeartbeat({ file, intervalMs: 60_000, check: () => Promise.resolve(true) });
    await heartbeat.beat();

    heartbeat.stop();

    expect(existsSync(file)).toBe(false);
    await expect(heartbeat.beat()).resolves.toBe(false);
    expect(existsSync(file)).toBe(false);
  });
});
