import type { Migration } from "../sqlite/migrations.ts";

/** Migrations of the job queue (component `job_queue`). Append only. */
export const QUEUE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    up: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        queue TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'active', 'completed', 'failed')),
        payload TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        project_id TEXT NOT NULL,
        document_id TEXT,
        note_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        progress TEXT,
        error TEXT,
        run_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_until INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT,
        finished_ms INTEGER
      );
      CREATE INDEX jobs_due ON jobs (queue, status, run_at);
      CREATE INDEX jobs_lease ON jobs (queue, status, lease_until);
      CREATE INDEX jobs_project ON jobs (project_id, created_at, id);
      CREATE INDEX jobs_finished ON jobs (status, finished_ms);
    `,
  },
];
