import {
  CustomTemplate,
  endpoints,
  TemplateList,
  TemplatePreview,
  type Template,
  type TemplateCreateParams,
  type TemplatePreviewParams,
  type TemplateUpdateParams,
} from "../contract/index.ts";
import type { RequestOptions } from "../core/api-client.ts";
import { PagePromise } from "../core/pagination.ts";
import { APIResource } from "../core/resource.ts";

export type { TemplateCreateParams, TemplatePreviewParams, TemplateUpdateParams };

/**
 * Note templates: the built-in ones (`summary`, `literature-note`, …) and each project's custom
 * templates, a prompt plus a Markdown skeleton (`{{title}}`, `{{section:Summary}}`; see
 * `TemplateCreateBody`). Use a custom template's `id` as `template` in `notes.create`.
 */
export class Templates extends APIResource {
  /**
   * `list(projectId)`: the built-in templates, then the project's own by name. `list()`: the
   * built-in templates only.
   */
  list(projectId?: string, options?: RequestOptions): PagePromise<Template>;
  list(options?: RequestOptions): PagePromise<Template>;
  list(first?: string | RequestOptions, second?: RequestOptions): PagePromise<Template> {
    const projectId = typeof first === "string" ? first : undefined;
    const options = typeof first === "string" ? second : first;
    return new PagePromise(() =>
      projectId === undefined
        ? this._client.request({ endpoint: endpoints["templates.list"], options }, TemplateList)
        : this._client.request(
            { endpoint: endpoints["templates.listProject"], params: { projectId }, options },
            TemplateList,
          ),
    );
  }

  /**
   * Creates a custom template (owner, editor). A skeleton with problems is refused with a
   * `BadRequestError` whose `errors` list each problem with its `line` and `column`.
   */
  create(projectId: string, params: TemplateCreateParams, options?: RequestOptions): Promise<CustomTemplate> {
    return this._client.request(
      { endpoint: endpoints["templates.create"], params: { projectId }, body: params, options },
      CustomTemplate,
    );
  }

  get(templateId: string, options?: RequestOptions): Promise<CustomTemplate> {
    return this._client.request(
      { endpoint: endpoints["templates.get"], params: { templateId }, options },
      CustomTemplate,
    );
  }

  update(
    templateId: string,
    params: TemplateUpdateParams,
    options?: RequestOptions,
  ): Promise<CustomTemplate> {
    return this._client.request(
      { endpoint: endpoints["templates.update"], params: { templateId }, body: params, options },
      CustomTemplate,
    );
  }

  delete(templateId: string, options?: RequestOptions): Promise<void> {
    return this._client.requestVoid({
      endpoint: endpoints["templates.delete"],
      params: { templateId },
      options,
    });
  }

  /**
   * Renders a skeleton against a document's metadata (or sample metadata) without a model; the
   * answer lists the skeleton's problems instead of failing.
   */
  preview(
    projectId: string,
    params: TemplatePreviewParams,
    options?: RequestOptions,
  ): Promise<TemplatePreview> {
    return this._client.request(
      { endpoint: endpoints["templates.preview"], params: { projectId }, body: params, options },
      TemplatePreview,
    );
  }
}
