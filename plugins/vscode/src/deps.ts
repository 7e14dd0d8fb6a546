import type * as vscode from "vscode";
import type { Config } from "./config.ts";
import type { EventsWatcher } from "./events-watcher.ts";
import type { JobTracker } from "./jobs.ts";
import type { LibraryTree } from "./library/library-tree.ts";
import type { Logger } from "./logger.ts";
import type { PdfLocations } from "./notes/pdf-locations.ts";
import type { Session } from "./session.ts";

/** What commands are built from (made once, in `extension.ts`). */
export interface Deps {
  session: Session;
  log: Logger;
  config: () => Config;
  jobs: JobTracker;
  library: LibraryTree;
  events: EventsWatcher;
  pdfs: PdfLocations;
  /** Milliseconds the search box waits after the last keystroke (250; tests may shorten it). */
  searchDebounceMs: number;
}

export type { vscode };
