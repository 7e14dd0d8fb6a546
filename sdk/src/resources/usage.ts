import { endpoints, UsageReport, type UsageParams } from "../contract/index.ts";
import type { RequestOptions } from "../core/api-client.ts";
import { APIResource } from "../core/resource.ts";

export type { UsageParams };

/** Recorded LLM usage: tokens and cost of generated notes, per month. */
export class Usage extends APIResource {
  /** Your usage for `month` (default the current UTC month), per project; a project's with `projectId`. */
  retrieve(params: UsageParams = {}, options?: RequestOptions): Promise<UsageReport> {
    return this._client.request(
      { endpoint: endpoints["usage.get"], query: { ...params }, options },
      UsageReport,
    );
  }
}
