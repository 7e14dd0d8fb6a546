import { waitFor } from "./raw-http.ts";

/** What a server's /metrics says about uploads: settled ones by outcome, and those still running. */
export interface UploadMetrics {
  byOutcome: Record<string, number>;
  /** Uploads settled, whatever the outcome. */
  settled: number;
  inProgress: number;
}

/** Reads `academic_assist_uploads_total{outcome}` and `academic_assist_uploads_in_progress` from `baseUrl`/metrics. */
export async function uploadMetrics(baseUrl: string): Promise<UploadMetrics> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const byOutcome: Record<string, number> = {};
  for (const m of text.matchAll(/^academic_assist_uploads_total\{outcome="(\w+)"\} (\d+)$/gm)) {
    byOutcome[m[1]!] = Number(m[2]);
  }
  return {
    byOutcome,
    settled: Object.values(byOutcome).reduce((sum, n) => sum + n, 0),
    inProgress: Number(/^academic_assist_uploads_in_progress (\d+)$/m.exec(text)?.[1]),
  };
}

/**
 * Waits until the server at `baseUrl` has settled `count` uploads in all and runs none: proof that
 * every upload request ended, including those whose client was gone.
 */
export async function uploadsSettled(baseUrl: string, count: number): Promise<void> {
  await waitFor(
    async () => {
      const now = await uploadMetrics(baseUrl);
      return now.settled === count && now.inProgress === 0;
    },
    10_000,
    `${count} uploads to settle at ${baseUrl}`,
  );
}
