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
import { AcademicAssistError, ApiError } from "../core/errors.ts";
import { PagePromise, type PageParams } from "../core/pagination.ts";
import { APIResource } from "../core/resource.ts";
import { readSSE } from "../core/sse.ts";

export type { MemberAddParams, ProjectAskParams, ProjectCreateParams, ProjectUpdateParams };
export type ProjectListParams = PageParams;

/** One item of {@link Projects.askStream}: a piece of the answer as it is written, then the whole result. */
export type AskStreamEvent = { type: "token"; text: string } | { type: "answer"; result: AskResult };
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
   * With `saveAsNote: true` (owner, editor) the cited answer is also stored as a note (template
   * `answer`, citations checked) and `noteId` names it; fetch it with `client.notes.retrieve`.
   */
  ask(projectId: string, params: ProjectAskParams, options?: RequestOptions): Promise<AskResult> {
    return this._client.request(
      { endpoint: endpoints["projects.ask"], params: { projectId }, body: params, options },
      AskResult,
    );
  }

  /**
   * Like {@link Projects.ask}, but streamed over SSE: yields `token` items as the answer is
   * written, then one `answer` item with the full {@link AskResult} (whose `answer` is the text to
   * keep; tokens are a preview). A failure reported mid-stream rejects the iteration with an
   * `ApiError`. Breaking out of the loop closes the connection. Hosts whose `fetch` cannot stream
   * (Obsidian's `requestUrl`) use {@link Projects.ask} instead.
   */
  async *askStream(
    projectId: string,
    params: ProjectAskParams,
    options?: RequestOptions,
  ): AsyncGenerator<AskStreamEvent, void, undefined> {
    const response = await this._client.requestResponse({
      endpoint: endpoints["projects.ask"],
      params: { projectId },
      body: params,
      accept: "text/event-stream",
      // A retried stream would repeat tokens already yielded.
      options: { ...options, maxRetries: 0 },
    });
    const type = response.headers.get("content-type") ?? "";
    if (!type.includes("text/event-stream") || !response.body) {
      await response.body?.cancel();
      throw new AcademicAssistError(
        `Expected an event stream from ${this._client.baseURL} but got "${type}". If this host's fetch cannot stream, use projects.ask instead.`,
      );
    }
    const where = endpoints["projects.ask"].path;
    for await (const item of readSSE(response.body)) {
      if (item.kind !== "message") continue;
      let data: unknown;
      try {
        data = JSON.parse(item.data);
      } catch {
        continue;
      }
      if (item.event === "token") {
        const text = (data as { text?: unknown } | null)?.text;
        if (typeof text === "string") yield { type: "token", text };
      } else if (item.event === "answer") {
        yield { type: "answer", result: this._client.validate(AskResult, data, where) };
        return;
      } else if (item.event === "error") {
        const status = (data as { status?: unknown } | null)?.status;
        throw ApiError.fromResponse(
          typeof status === "number" ? status : 500,
          response.headers,
          JSON.stringify(data),
        );
      }
    }
    throw new AcademicAssistError(`The answer stream from ${this._client.baseURL} ended without an answer.`);
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
