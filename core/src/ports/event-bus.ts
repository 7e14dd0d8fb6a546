import type { EventRecord, NewEvent } from "../domain/records.ts";

/** Job and document events, shared between the worker (publisher) and the server (SSE). */
export interface EventBus {
  /** Records and broadcasts an event; returns it with its id. */
  publish(event: NewEvent): Promise<EventRecord>;
  /** Events after `after` (exclusive; null = from the oldest kept) of the given projects, oldest first. */
  list(after: string | null, projectIds: string[], limit: number): Promise<EventRecord[]>;
  /** The id of the newest event, or null. */
  latestId(): Promise<string | null>;
  /** Calls `listener` soon after new events are published (by any process); returns an unsubscribe. */
  watch(listener: () => void): () => void;
  close(): Promise<void>;
}
