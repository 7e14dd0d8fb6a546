import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  Fts5SearchIndex,
  LocalDiskBlobStore,
  SqliteEventBus,
  SqliteJobQueue,
  SqliteRepositories,
} from "./adapters/index.ts";
import type { CoreConfig } from "./config.ts";
import type { Logger } from "./logger.ts";
import { ExtractiveNoteGenerator } from "./notes/index.ts";
import type {
  BlobStore,
  EventBus,
  JobQueue,
  NoteGenerator,
  Repositories,
  SearchIndex,
} from "./ports/index.ts";

/** Every port, wired to the adapters the configuration selects. The only place adapters are chosen. */
export interface AppContext {
  config: CoreConfig;
  logger: Logger;
  repos: Repositories;
  blobs: BlobStore;
  queue: JobQueue;
  search: SearchIndex;
  events: EventBus;
  generator: NoteGenerator;
  close(): Promise<void>;
}

/** File layout of local mode under DATA_DIR. */
export function localPaths(dataDir: string) {
  return {
    metadata: path.join(dataDir, "academic-assist.db"),
    queue: path.join(dataDir, "queue.db"),
    events: path.join(dataDir, "events.db"),
    search: path.join(dataDir, "search.db"),
    blobs: path.join(dataDir, "blobs"),
    secret: path.join(dataDir, "secret.key"),
    discovery: path.join(dataDir, "local-server.json"),
  };
}

export async function createContext(config: CoreConfig, logger: Logger): Promise<AppContext> {
  // Production adapters (MongoDB, BullMQ, Elasticsearch/OpenSearch, S3) are selected here too once
  // they exist (issue #3); config parsing refuses their variables until then.
  mkdirSync(config.dataDir, { recursive: true });
  const paths = localPaths(config.dataDir);
  const repos = new SqliteRepositories(paths.metadata);
  const blobs = new LocalDiskBlobStore(paths.blobs);
  const queue = new SqliteJobQueue({ file: paths.queue, backoffBaseMs: config.JOB_BACKOFF_MS });
  const search = new Fts5SearchIndex(paths.search);
  const events = new SqliteEventBus(paths.events);
  const generator = new ExtractiveNoteGenerator();
  return {
    config,
    logger,
    repos,
    blobs,
    queue,
    search,
    events,
    generator,
    async close() {
      await queue.close();
      await Promise.allSettled([repos.close(), search.close(), events.close()]);
    },
  };
}
