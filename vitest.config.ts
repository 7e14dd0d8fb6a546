import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{sdk,core,server,worker,plugins/*,infra,scripts}/**/*.test.ts"],
    // `*.services.test.ts` need real servers: under plain `npm test` they skip and print why;
    // `npm run test:services` starts the servers (scripts/services/) and runs them.
    exclude: ["**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    setupFiles: ["server/test/no-network.ts"],
  },
});
