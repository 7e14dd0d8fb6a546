/**
 * A worker process for the crash test: consumes `document_processing` from the queue file given as
 * the first argument, records in the marker file (second argument) that it started each job, says
 * so on stdout, then hangs until it is killed.
 */
import { openDatabase } from "../sqlite/database.ts";
import { SqliteJobQueue } from "./sqlite-job-queue.ts";

const [queueFile, markerFile] = process.argv.slice(2);
if (!queueFile || !markerFile) throw new Error("usage: crash-consumer.fixture.ts <queue.db> <markers.db>");

const markers = openDatabase(markerFile);
const queue = new SqliteJobQueue({ file: queueFile, pollIntervalMs: 10, workerId: "doomed" });
queue.process(
  "document_processing",
  async (ctx) => {
    markers
      .prepare("INSERT INTO markers (job_id, kind, pid) VALUES (?, 'started', ?)")
      .run(ctx.job.id, process.pid);
    process.stdout.write(`started ${ctx.job.id}\n`);
    await new Promise<never>(() => undefined);
  },
  { leaseMs: 400 },
);
process.stdout.write("ready\n");
