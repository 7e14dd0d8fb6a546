export { openDatabase, type Database } from "./sqlite/database.ts";
export { runMigrations, type Migration } from "./sqlite/migrations.ts";
export { SqliteRepositories } from "./sqlite/sqlite-repositories.ts";
export { LocalDiskBlobStore } from "./local-disk/local-disk-blob-store.ts";
export { SqliteJobQueue, type SqliteJobQueueOptions } from "./sqlite-queue/sqlite-job-queue.ts";
export { Fts5SearchIndex } from "./fts5/fts5-search-index.ts";
export { SqliteEventBus, type SqliteEventBusOptions } from "./sqlite-events/sqlite-event-bus.ts";
