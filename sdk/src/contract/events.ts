import { z } from "zod";
import { Id, Timestamp } from "./common.ts";

export const EventType = z.enum([
  "document.status",
  "document.progress",
  "job.progress",
  "job.completed",
  "job.failed",
  "note.ready",
  "note.failed",
]);
export type EventType = z.infer<typeof EventType>;

/** A change pushed to clients over SSE (`GET /api/v1/events`) or fetched by long-poll. */
export const Event = z
  .object({
    /** Monotonic; pass the last one seen as `Last-Event-ID` or `after` to resume. */
    id: z.string(),
    type: EventType,
    projectId: Id,
    documentId: Id.nullable(),
    jobId: Id.nullable(),
    noteId: Id.nullable(),
    data: z.record(z.string(), z.unknown()),
    at: Timestamp,
  })
  .meta({ id: "Event" });
export type Event = z.infer<typeof Event>;

export const EventsQuery = z.object({
  projectId: Id.optional(),
  after: z.string().regex(/^\d+$/).optional(),
  /** For the JSON form: wait up to this many seconds for a first event (long-poll). */
  wait: z.coerce.number<number>().int().min(0).max(30).default(0),
  limit: z.coerce.number<number>().int().min(1).max(500).default(100),
});
export type EventListParams = z.input<typeof EventsQuery>;

export const EventList = z
  .object({ items: z.array(Event), lastEventId: z.string().nullable() })
  .meta({ id: "EventList" });
export type EventList = z.infer<typeof EventList>;
