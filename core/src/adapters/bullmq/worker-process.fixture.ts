/**
 * A worker process for the BullMQ fault tests. Arguments: Redis URL, key prefix, mode.
 * - `hang`: starts each `document_processing` job, says `started <jobId>` on stdout, never finishes
 *   (the test SIGKILLs the process).
 * - `drain`: says `started <jobId>`, works for 1.5 s, says `finished <jobId>`; on SIGTERM it closes
 *   the queue (draining the running job) and exits 0, as worker/src/main.ts does.
 */
import { openBullMqQueue } from "./bullmq-job-queue.ts";

const [url, prefix, mode] = process.argv.slice(2);
if (!url || !prefix || (mode !== "hang" && mode !== "drain"))
  throw new Error("usage: worker-process.fixture.ts <redis-url> <prefix> hang|drain");

const queue = await openBullMqQueue({ url, prefix, backoffBaseMs: 50, retryDelayMs: 200 });
const consumer = queue.process(
  "document_processing",
  async (ctx) => {
    process.stdout.write(`started ${ctx.job.id}\n`);
    if (mode === "hang") await new Promise<never>(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    process.stdout.write(`finished ${ctx.job.id}\n`);
  },
  { leaseMs: 300 },
);
process.once("SIGTERM", () => {
  process.stdout.write("draining\n");
  void consumer
    .close(30_000)
    .then(() => queue.close())
    .finally(() => process.exit(0));
});
process.stdout.write("ready\n");
