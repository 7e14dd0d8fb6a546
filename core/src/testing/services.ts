/**
 * Service tests (`*.services.test.ts`) run against real servers that `npm run test:services` starts
 * (scripts/services/). Under plain `npm test` those servers are absent: the suites are skipped and
 * this prints why, once per variable.
 */
const warned = new Set<string>();

/** The value of `variable` (e.g. `AA_TEST_REDIS_URL`), or undefined after printing why the suite is skipped. */
export function serviceUrl(variable: string, what: string): string | undefined {
  const value = process.env[variable];
  if (!value && !warned.has(variable)) {
    warned.add(variable);
    console.warn(
      `[skipped] ${what}: ${variable} is not set. Run \`npm run test:services\` to start the real services and run these tests.`,
    );
  }
  return value || undefined;
}
