// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const nodeBuiltins = [
  "fs",
  "path",
  "os",
  "child_process",
  "crypto",
  "http",
  "https",
  "net",
  "stream",
  "url",
  "worker_threads",
  "buffer",
  "util",
  "events",
  "zlib",
  "readline",
].flatMap((m) => [m, `node:${m}`, `${m}/*`, `node:${m}/*`]);

const sdkBackendBan = {
  group: [
    "@academic-assist/core",
    "@academic-assist/core/*",
    "@academic-assist/server",
    "@academic-assist/worker",
    "better-sqlite3",
  ],
  message:
    "The SDK never depends on the backend: plugins bundle it. The CLI loads the backend at run time (sdk/src/cli/commands/backend.ts).",
};

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/.tsbuild/**",
      "**/dist/**",
      "data/**",
      "**/*.js",
      "**/*.mjs",
      "plugins/*/main.js",
      "vitest.config.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-unnecessary-condition": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-extraneous-class": "off",
      // `() => void promise` and `(x) => res.write(x)` read fine; the rule mostly adds braces.
      "@typescript-eslint/no-confusing-void-expression": "off",
    },
  },
  {
    files: ["**/*.test.ts", "scripts/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  // Layer bans: the SDK is browser-safe (no Node built-ins outside src/cli) and never depends on the
  // backend (plugins bundle it; the CLI's backup commands load the backend at run time only), core
  // never imports express or a job runner, plugins talk to the backend only through the SDK.
  {
    files: ["sdk/src/**/*.ts"],
    ignores: ["sdk/src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [sdkBackendBan] }],
    },
  },
  {
    files: ["sdk/src/**/*.ts"],
    ignores: ["sdk/src/cli/**", "sdk/src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message:
              "The SDK must run in browsers, VS Code and Obsidian mobile: no Node built-ins outside sdk/src/cli/.",
          })),
          patterns: [sdkBackendBan],
        },
      ],
    },
  },
  {
    files: ["core/src/**/*.ts"],
    // The BullMQ adapter is the one place the job runner's API belongs.
    ignores: ["core/src/adapters/bullmq/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["express", "express/*", "@academic-assist/server", "@academic-assist/worker", "bullmq"],
              message:
                "core is shared by server and worker: no HTTP framework, no job runner API, never imports server or worker.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["plugins/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@academic-assist/core", "@academic-assist/server", "@academic-assist/worker"],
              message: "Plugins use the SDK only.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["plugins/obsidian/src/**/*.ts"],
    ignores: ["plugins/obsidian/src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: nodeBuiltins.map((name) => ({ name, message: "Obsidian mobile has no Node modules." })),
          patterns: [
            {
              group: ["@academic-assist/core", "@academic-assist/server", "@academic-assist/worker"],
              message: "Plugins use the SDK only.",
            },
          ],
        },
      ],
    },
  },
);
