import { z } from "zod";
import { Id, PageParams, Timestamp } from "./common.ts";

/** Queue names are exactly these, in every adapter (SQLite queue and BullMQ alike). */
export const QueueName = z.enum(["document_processing", "indexing", "llm_generation"]);
export type QueueName = z.infer<typeof QueueName>;

export const JobStatus = z.enum(["queued", "active", "completed", "failed"]);
export type JobStatus = z.infer<typeof JobStatus>;

export const Progress = z
  .object({
    /** What is happening now, e.g. `extracting`, `indexing`, `generating`. */
    stage: z.string(),
    done: z.number().int().min(0),
    total: z.number().int().min(0),
  })
  .meta({ id: "Progress" });
export type Progress = z.infer<typeof Progress>;

export const JobError = z.object({ code: z.string(), detail: z.string() }).meta({ id: "JobError" });
export type JobError = z.infer<typeof JobError>;

export const Job = z
  .object({
    id: Id,
    queue: QueueName,
    status: JobStatus,
    projectId: Id,
    documentId: Id.nullable(),
    noteId: Id.nullable(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    progress: Progress.nullable(),
    error: JobError.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
  })
  .meta({ id: "Job" });
export type Job = z.infer<typeof Job>;

export const JobIdParams = z.object({ jobId: Id });
export const JobListQuery = PageParams.extend({ status: JobStatus.optional() });
export type JobListParams = z.input<typeof JobListQuery>;
