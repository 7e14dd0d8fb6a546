import { z } from "zod";
import {
  AskResult,
  endpoints,
  type ProjectAskParams,
  Member,
  type MemberUpdateBody,
  pageOf,
  Project,
  type MemberAddParams,
  type ProjectCreateParams,
  type ProjectUpdateParams,
} from "../contract/index.ts";
import type { RequestOptions } from "../core/api-client.ts";
import { PagePromise, type PageParams } from "../core/pagination.ts";
import { APIResource } from "../core/resource.ts";

export type { MemberAddParams, ProjectAskParams, ProjectCreateParams, ProjectUpdateParams };
export type ProjectListParams = PageParams;
export type MemberUpdateParams = z.input<typeof MemberUpdateBody>;

const ProjectPage = pageOf(Project);
const MemberList = z.object({ items: z.array(Member) });

/** Members of a project and their roles (`owner`, `editor`, `viewer`). */
export class Members extends APIResource {
  list(projectId: string, options?: RequestOptions): PagePromise<Member> {
    return new PagePromise(() =>
      this._client.request(
        { endpoint: endpoints["members.list"], params: { projectId }, options },
        MemberList,
      ),
    );
  }

  /** Adds a registered user by email (owner only); the role defaults to `viewer`. */
  add(projectId: string, params: MemberAddParams, options?: RequestOptions): Promise<Member> {
    return this._client.request(
      { endpoint: endpoints["members.add"], params: { projectId }, body: params, options },
      Member,
    );
  }

  update(
    projectId: string,
    userId: string,
    params: MemberUpdateParams,
    options?: RequestOptions,
  ): Promise<Member> {
    return this._client.request(
      { endpoint: endpoints["members.update"], params: { projectId, userId }, body: params, options },
      Member,
    );
  }

  /** Removes a member (owner; or yourself, to leave). */
  remove(projectId: string, userId: string, options?: RequestOptions): Promise<void> {
    return this._client.requestVoid({
      endpoint: endpoints["members.remove"],
      params: { projectId, userId },
      options,
    });
  }
}

/** Projects: the unit of sharing. Documents, notes and jobs belong to one. */
export class Projects extends APIResource {
  readonly members: Members = new Members(this._client);

  /** Creates a project; you become its owner. */
  create(params: ProjectCreateParams, options?: RequestOptions): Promise<Project> {
    return this._client.request({ endpoint: endpoints["projects.create"], body: params, options }, Project);
  }

  /** Projects you are a member of. Await for the first page, or `for await` over all of them. */
  list(params: ProjectListParams = {}, options?: RequestOptions): PagePromise<Project> {
    return new PagePromise((cursor) =>
      this._client.request(
        {
          endpoint: endpoints["projects.list"],
          query: { limit: params.limit, cursor: cursor ?? params.cursor },
          options,
        },
        ProjectPage,
      ),
    );
  }

  retrieve(projectId: string, options?: RequestOptions): Promise<Project> {
    return this._client.request(
      { endpoint: endpoints["projects.get"], params: { projectId }, options },
      Project,
    );
  }

  update(projectId: string, params: ProjectUpdateParams, options?: RequestOptions): Promise<Project> {
    return this._client.request(
      { endpoint: endpoints["projects.update"], params: { projectId }, body: params, options },
      Project,
    );
  }

  /**
   * Answers a question from the project's library with page citations (`[p. N]` in `answer`,
   * details in `citations`), or abstains (`abstained: true`) when the library lacks the answer.
   */
  ask(projectId: string, params: ProjectAskParams, options?: RequestOptions): Promise<AskResult> {
    return this._client.request(
      { endpoint: endpoints["projects.ask"], params: { projectId }, body: params, options },
      AskResult,
    );
  }

  /** Deletes the project and everything in it (owner only). */
  delete(projectId: string, options?: RequestOptions): Promise<void> {
    return this._client.requestVoid({
      endpoint: endpoints["projects.delete"],
      params: { projectId },
      options,
    });
  }
}
