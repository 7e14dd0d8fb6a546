import { startRedisServer } from "@academic-assist/core/testing";
import type { ServiceLauncher } from "./common.ts";

/**
 * Redis for the BullMQ queue's and the Redis event bus's service tests: Debian's redis-server (CI
 * installs it with apt) on 127.0.0.1 and a free port, with append-only persistence under `dataDir`
 * (so a restart keeps the jobs), no snapshots and `maxmemory-policy noeviction`. Reports
 * `AA_TEST_REDIS_URL=redis://127.0.0.1:<port>`.
 *
 * Fault tests that restart Redis start their own server with {@link startRedisServer} (re-exported
 * here), whose handle can stop and start it again on the same port and data.
 */
export const startRedis: ServiceLauncher = async ({ dataDir, log }) => {
  const server = await startRedisServer({ dir: dataDir, binary: "redis-server" });
  log(`redis-server on port ${server.port} (data ${dataDir})`);
  return { name: "redis", env: { AA_TEST_REDIS_URL: server.url }, stop: () => server.stop() };
};

export { startRedisServer };
