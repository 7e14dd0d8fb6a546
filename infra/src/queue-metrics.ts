/**
 * The queue-depth metric contract between the worker and this deployment. The worker writes one
 * CloudWatch Embedded Metric Format line per queue to stdout (core/src/metrics/emf.ts,
 * `queueDepthEmf`) with namespace METRICS_CLOUDWATCH_NAMESPACE; CloudWatch Logs turns them into
 * these metrics, which the step scaling policies and alarms read. Every worker task publishes the
 * same depth, so they are read with the Maximum statistic, never Sum.
 */
export const QUEUE_METRICS_NAMESPACE = "AcademicAssist";
/** Jobs waiting to be taken, per queue (dimension `Queue`). */
export const QUEUE_DEPTH_METRIC = "QueueDepth";
/** Dead letters kept, per queue (dimension `Queue`); an increase means jobs failed for good. */
export const FAILED_JOBS_METRIC = "FailedJobs";
export const QUEUE_DIMENSION = "Queue";
export const QUEUES = ["document_processing", "indexing", "llm_generation"] as const;
export type Queue = (typeof QUEUES)[number];

/** The design's scale-out thresholds (queue depth at or above which tasks are added). */
export const DOCUMENT_QUEUE_DEPTH_THRESHOLD = 20;
export const WORKER_QUEUE_DEPTH_THRESHOLD = 30;
