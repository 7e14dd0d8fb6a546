import BetterSqlite3 from "better-sqlite3";
import { dirname } from "node:path";
import { createPrivateFileSync, mkdirPrivateSync, tightenSync } from "../private-files.ts";

/** A better-sqlite3 connection. Re-exported so callers never import the driver's namespace themselves. */
export type Database = BetterSqlite3.Database;

/**
 * Opens (creating it and its folder if needed) a SQLite file configured for sharing between the server
 * and the worker processes: WAL journal, 5 s busy timeout, foreign keys on, `synchronous = NORMAL`.
 * The file is owner-only (0600), and so are its `-wal` and `-shm` (SQLite gives them the database
 * file's mode); files an older version left more open are narrowed to 0600.
 */
export function openDatabase(file: string): Database {
  if (file !== ":memory:") {
    mkdirPrivateSync(dirname(file));
    createPrivateFileSync(file);
    for (const own of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) tightenSync(own);
  }
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
