import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{sdk,core,server,worker,plugins/*,infra,scripts}/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/*.services.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    setupFiles: ["server/test/no-network.ts"],
  },
});
