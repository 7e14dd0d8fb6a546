import BetterSqlite3 from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** A better-sqlite3 connection. Re-exported so callers never import the driver's namespace themselves. */
export type Database = BetterSqlite3.Database;

/**
 * Opens (creating it and its folder if needed) a SQLite file configured for sharing between the server
 * and the worker processes: WAL journal, 5 s busy timeout, foreign keys on, `synchronous = NORMAL`.
 */
export function openDatabase(file: string): Database {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  // The busy timeout must come first: switching to WAL takes a lock another process may hold.
  db.pragma("busy_timeout = 5000");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  return db;
}

/** True when the connection answers a trivial query (for /readyz). */
export function pingDatabase(db: Database): boolean {
  try {
    return db.prepare<[], number>("SELECT 1").pluck().get() === 1;
  } catch {
    return false;
  }
}
