import { endpoints, Job, pageOf, type JobStatus } from "../contract/index.ts";
import type { RequestOptions } from "../core/api-client.ts";
import { PagePromise, type PageParams } from "../core/pagination.ts";
import { APIResource } from "../core/resource.ts";

export interface JobListParams extends PageParams {
  /** The project whose jobs to list. */
  projectId: string;
  /** Only jobs in this state. */
  status?: JobStatus | undefined;
}

const JobPage = pageOf(Job);

/** Background jobs (processing, indexing, note generation). */
export class Jobs extends APIResource {
  retrieve(jobId: string, options?: RequestOptions): Promise<Job> {
    return this._client.request({ endpoint: endpoints["jobs.get"], params: { jobId }, options }, Job);
  }

  /** A project's jobs, newest first. */
  list(params: JobListParams, options?: RequestOptions): PagePromise<Job> {
    const { projectId, ...query } = params;
    return new PagePromise((cursor) =>
      this._client.request(
        {
          endpoint: endpoints["jobs.list"],
          params: { projectId },
          query: { ...query, cursor: cursor ?? query.cursor },
          options,
        },
        JobPage,
      ),
    );
  }
}
