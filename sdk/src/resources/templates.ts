import { endpoints, TemplateList, type Template } from "../contract/index.ts";
import type { RequestOptions } from "../core/api-client.ts";
import { PagePromise } from "../core/pagination.ts";
import { APIResource } from "../core/resource.ts";

/** Note templates (`summary`, `literature-note`, and any the server adds). */
export class Templates extends APIResource {
  list(options?: RequestOptions): PagePromise<Template> {
    return new PagePromise(() =>
      this._client.request({ endpoint: endpoints["templates.list"], options }, TemplateList),
    );
  }
}
