import type { Database } from "./database.ts";

/** One schema change. Versions are positive integers, applied in increasing order, never edited once shipped. */
export interface Migration {
  version: number;
  name: string;
  /** SQL run as one script, or a function for changes SQL alone cannot express. */
  up: string | ((db: Database) => void);
}

/**
 * Applies the `migrations` of `component` that the file has not seen yet, each in its own
 * `BEGIN IMMEDIATE` transaction. Safe when several processes open the same file at once: the write
 * lock serialises them and each re-checks `schema_migrations` after taking it. Several components
 * (repositories, queue, search, events) may share one file, so versions are per component.
 */
export function runMigrations(db: Database, component: string, migrations: readonly Migration[]): void {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.version === sorted[i - 1]!.version) {
      throw new Error(`Duplicate migration version ${sorted[i]!.version} for ${component}.`);
    }
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (component, version)
  )`);
  const applied = db.prepare<[string, number], { version: number }>(
    "SELECT version FROM schema_migrations WHERE component = ? AND version = ?",
  );
  const record = db.prepare<[string, number, string, string]>(
    "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)",
  );
  for (const migration of sorted) {
    const apply = db.transaction(() => {
      if (applied.get(component, migration.version)) return;
      if (typeof migration.up === "string") db.exec(migration.up);
      else migration.up(db);
      record.run(component, migration.version, migration.name, new Date().toISOString());
    });
    apply.immediate();
  }
}
