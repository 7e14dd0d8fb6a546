import type { EventType } from "@academic-assist/sdk/contract";
import type { EventRecord, NewEvent } from "../../domain/records.ts";
import { badRequest } from "../../errors/app-error.ts";
import type { EventBus } from "../../ports/event-bus.ts";
import { openDatabase, type Database } from "../sqlite/database.ts";
import { guard, parseJson } from "../sqlite/errors.ts";
import { runMigrations, type Migration } from "../sqlite/migrations.ts";

/** Options of {@link SqliteEventBus}. */
export interface SqliteEventBusOptions {
  /** How often watchers look for events published by other processes (default 250 ms). */
  pollIntervalMs?: number;
  /** Events older than this are pruned now and then (default 7 days). */
  retentionMs?: number;
}

const STORE = "The event store";
/** Prune on one publish out of this many (and on open). */
const PRUNE_EVERY = 500;

const EVENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    up: `
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        type TEXT NOT NULL,
        project_id TEXT NOT NULL,
        document_id TEXT,
        job_id TEXT,
        note_id TEXT,
        data TEXT NOT NULL,
        at TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      );
      CREATE INDEX events_project ON events (project_id, id);
      CREATE INDEX events_at ON events (at_ms);
    `,
  },
];

interface EventRow {
  id: number;
  type: string;
  project_id: string;
  document_id: string | null;
  job_id: string | null;
  note_id: string | null;
  data: string;
  at: string;
}

const toEvent = (r: EventRow): EventRecord => ({
  id: String(r.id),
  type: r.type as EventType,
  projectId: r.project_id,
  documentId: r.document_id,
  jobId: r.job_id,
  noteId: r.note_id,
  data: parseJson(r.data) as Record<string, unknown>,
  at: r.at,
});

/**
 * Events in a SQLite table (embedded mode). Ids are the table's AUTOINCREMENT rowids, so they are
 * monotonic across processes and never reused. Watchers in this process are told at once about
 * events published here, and by a shared polling timer about those published by other processes.
 */
export class SqliteEventBus implements EventBus {
  private readonly db: Database;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private lastSeen = 0;
  private publishes = 0;

  /** Opens (creating and migrating as needed) the events in the SQLite file `file`. */
  constructor(file: string, options: SqliteEventBusOptions = {}) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60_000;
    this.db = guard(STORE, () => openDatabase(file));
    guard(STORE, () => {
      runMigrations(this.db, "events", EVENT_MIGRATIONS);
      this.prune();
    });
  }

  /** Stores the event and wakes this process's watchers. */
  async publish(event: NewEvent): Promise<EventRecord> {
    const now = Date.now();
    const row = guard(STORE, () => {
      if (++this.publishes % PRUNE_EVERY === 0) this.prune();
      return this.db
        .prepare<unknown[], EventRow>(
          `INSERT INTO events (type, project_id, document_id, job_id, note_id, data, at, at_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(
          event.type,
          event.projectId,
          event.documentId,
          event.jobId,
          event.noteId,
          JSON.stringify(event.data),
          new Date(now).toISOString(),
          now,
        )!;
    });
    if (this.listeners.size > 0)
      setImmediate(() => {
        this.poll();
      });
    return toEvent(row);
  }

  /** Events after `after` of the given projects, oldest first. */
  async list(after: string | null, projectIds: string[], limit: number): Promise<EventRecord[]> {
    if (after !== null && !/^\d{1,18}$/.test(after))
      throw badRequest("`after` must be an event id.", [
        { path: "query.after", message: "must be an event id" },
      ]);
    if (projectIds.length === 0 || limit <= 0) return [];
    return guard(STORE, () =>
      this.db
        .prepare<[number, string, number], EventRow>(
          "SELECT * FROM events WHERE id > ? AND project_id IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?",
        )
        .all(after === null ? 0 : Number(after), JSON.stringify(projectIds), Math.floor(limit))
        .map(toEvent),
    );
  }

  /** The newest event's id, or null when there is none. */
  async latestId(): Promise<string | null> {
    const id = guard(STORE, () => this.maxId());
    return id === 0 ? null : String(id);
  }

  /** Calls `listener` after new events (from any process); one timer serves every listener and never keeps the process alive. */
  watch(listener: () => void): () => void {
    if (this.listeners.size === 0) {
      this.lastSeen = this.maxIdOrZero();
      this.timer = setInterval(() => {
        this.poll();
      }, this.pollIntervalMs);
      this.timer.unref();
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopTimer();
    };
  }

  /** Stops watching and closes the file. */
  async close(): Promise<void> {
    this.listeners.clear();
    this.stopTimer();
    if (this.db.open) this.db.close();
  }

  private poll(): void {
    if (this.listeners.size === 0 || !this.db.open) return;
    const latest = this.maxIdOrZero();
    if (latest <= this.lastSeen) return;
    this.lastSeen = latest;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // One failing listener must not starve the others.
      }
    }
  }

  private maxId(): number {
    // The AUTOINCREMENT counter, not max(id): it survives pruning, so the latest id never goes back.
    return (
      this.db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get() ?? 0
    );
  }

  private maxIdOrZero(): number {
    try {
      return this.maxId();
    } catch {
      // A locked or closed file: try again on the next tick.
      return this.lastSeen;
    }
  }

  private prune(): void {
    this.db.prepare("DELETE FROM events WHERE at_ms < ?").run(Date.now() - this.retentionMs);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
