import { z } from "zod";
import * as A from "./auth.ts";
import * as K from "./ask.ts";
import { pageOf } from "./common.ts";
import * as D from "./documents.ts";
import * as E from "./events.ts";
import * as J from "./jobs.ts";
import * as N from "./notes.ts";
import * as P from "./projects.ts";
import * as S from "./search.ts";
import * as T from "./templates.ts";
import * as U from "./usage.ts";

export type HttpMethod = "get" | "post" | "patch" | "put" | "delete";

/**
 * One HTTP endpoint of the API: the single source for server validation, OpenAPI and clients.
 * `path` is relative to `/api/v1` and uses `{name}` for path parameters.
 */
export interface Endpoint {
  id: string;
  method: HttpMethod;
  path: string;
  summary: string;
  tag: string;
  /** false only for login/registration; everything else needs `Authorization: Bearer`. */
  auth: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the endpoint reads (documented; the handler checks them). */
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** Raw request bodies (uploads): media types accepted instead of JSON. */
  rawBody?: string[];
  responses: Partial<
    Record<
      200 | 201 | 202 | 204,
      {
        description: string;
        schema?: z.ZodType;
        /** The media type of the body (default JSON); a list for raw bodies that come in several. */
        contentType?: string | readonly string[];
      }
    >
  >;
  /**
   * Error statuses only this endpoint's own logic answers (403 for a role, 409 for its conflicts…).
   * The ones every endpoint of its shape can answer are derived, never listed here: see
   * `errorStatuses` in `statuses.ts` (400, 401, 404, 409, 413, 415, 500, 503).
   */
  errors?: number[];
  /**
   * What repeating this POST or PATCH does (GET, PUT and DELETE are idempotent by method):
   * - `"key"`: it would act twice, so it honours `Idempotency-Key`: the first 2xx answer is stored
   *   per user, endpoint and key and replayed for a retry; the SDK sends a key and retries.
   * - `"natural"`: repeating it is harmless without a key (it only computes, or deduplicates by
   *   content); the SDK retries it without a key.
   * - absent: neither; the SDK retries it only when the server cannot have acted on it.
   */
  idempotency?: "key" | "natural";
}

const ok = (schema: z.ZodType, description = "OK") => ({ description, schema });
const noContent = { 204: { description: "Deleted" } } as const;

function endpoint<const T extends Endpoint>(e: T): T {
  return e;
}

export const endpoints = {
  // auth
  "auth.register": endpoint({
    id: "auth.register",
    method: "post",
    path: "/auth/register",
    tag: "auth",
    auth: false,
    summary: "Create an account (when the server allows registration)",
    body: A.RegisterBody,
    responses: { 201: ok(A.Session, "Created") },
    errors: [403, 409],
  }),
  "auth.login": endpoint({
    id: "auth.login",
    method: "post",
    path: "/auth/login",
    tag: "auth",
    auth: false,
    summary: "Exchange email and password for a short-lived JWT",
    body: A.LoginBody,
    responses: { 200: ok(A.Session) },
    errors: [401, 429],
    idempotency: "natural",
  }),
  "auth.me": endpoint({
    id: "auth.me",
    method: "get",
    path: "/auth/me",
    tag: "auth",
    auth: true,
    summary: "The signed-in user",
    responses: { 200: ok(A.User) },
  }),
  "tokens.create": endpoint({
    id: "tokens.create",
    method: "post",
    path: "/auth/tokens",
    tag: "auth",
    auth: true,
    summary: "Create a personal API token (shown once)",
    body: A.ApiTokenCreateBody,
    responses: { 201: ok(A.ApiTokenCreated, "Created") },
    idempotency: "key",
  }),
  "tokens.list": endpoint({
    id: "tokens.list",
    method: "get",
    path: "/auth/tokens",
    tag: "auth",
    auth: true,
    summary: "List your API tokens",
    responses: { 200: ok(z.object({ items: z.array(A.ApiToken) })) },
  }),
  "tokens.revoke": endpoint({
    id: "tokens.revoke",
    method: "delete",
    path: "/auth/tokens/{tokenId}",
    tag: "auth",
    auth: true,
    summary: "Revoke an API token",
    params: A.TokenIdParams,
    responses: noContent,
  }),
  // projects
  "projects.create": endpoint({
    id: "projects.create",
    method: "post",
    path: "/projects",
    tag: "projects",
    auth: true,
    summary: "Create a project (you become its owner)",
    body: P.ProjectCreateBody,
    responses: { 201: ok(P.Project, "Created") },
    idempotency: "key",
  }),
  "projects.list": endpoint({
    id: "projects.list",
    method: "get",
    path: "/projects",
    tag: "projects",
    auth: true,
    summary: "Projects you are a member of",
    query: P.ProjectListQuery,
    responses: { 200: ok(pageOf(P.Project)) },
  }),
  "projects.get": endpoint({
    id: "projects.get",
    method: "get",
    path: "/projects/{projectId}",
    tag: "projects",
    auth: true,
    summary: "One project",
    params: P.ProjectIdParams,
    responses: { 200: ok(P.Project) },
  }),
  "projects.update": endpoint({
    id: "projects.update",
    method: "patch",
    path: "/projects/{projectId}",
    tag: "projects",
    auth: true,
    summary: "Rename or re-describe a project (owner, editor); choose its LLM provider (owner)",
    params: P.ProjectIdParams,
    body: P.ProjectUpdateBody,
    responses: { 200: ok(P.Project) },
    errors: [403],
    idempotency: "key",
  }),
  "projects.delete": endpoint({
    id: "projects.delete",
    method: "delete",
    path: "/projects/{projectId}",
    tag: "projects",
    auth: true,
    summary: "Delete a project and everything in it (owner)",
    params: P.ProjectIdParams,
    responses: noContent,
    errors: [403],
  }),
  "members.list": endpoint({
    id: "members.list",
    method: "get",
    path: "/projects/{projectId}/members",
    tag: "projects",
    auth: true,
    summary: "Members of a project",
    params: P.ProjectIdParams,
    responses: { 200: ok(z.object({ items: z.array(P.Member) })) },
  }),
  "members.add": endpoint({
    id: "members.add",
    method: "post",
    path: "/projects/{projectId}/members",
    tag: "projects",
    auth: true,
    summary: "Add a registered user to a project (owner)",
    params: P.ProjectIdParams,
    body: P.MemberAddBody,
    responses: { 201: ok(P.Member, "Added") },
    errors: [403, 409],
    idempotency: "key",
  }),
  "members.update": endpoint({
    id: "members.update",
    method: "patch",
    path: "/projects/{projectId}/members/{userId}",
    tag: "projects",
    auth: true,
    summary: "Change a member's role (owner)",
    params: P.MemberIdParams,
    body: P.MemberUpdateBody,
    responses: { 200: ok(P.Member) },
    errors: [403, 409],
    idempotency: "key",
  }),
  "members.remove": endpoint({
    id: "members.remove",
    method: "delete",
    path: "/projects/{projectId}/members/{userId}",
    tag: "projects",
    auth: true,
    summary: "Remove a member (owner; or yourself)",
    params: P.MemberIdParams,
    responses: noContent,
    errors: [403, 409],
  }),
  // documents
  "documents.upload": endpoint({
    id: "documents.upload",
    method: "post",
    path: "/projects/{projectId}/documents",
    tag: "documents",
    auth: true,
    summary: "Upload a PDF or image (raw body or multipart `file`); queues processing",
    params: P.ProjectIdParams,
    query: D.DocumentUploadQuery,
    rawBody: [
      "application/pdf",
      "application/octet-stream",
      "image/png",
      "image/jpeg",
      "image/tiff",
      "multipart/form-data",
    ],
    responses: {
      202: ok(D.DocumentUploadResult, "Accepted: processing queued"),
      200: ok(D.DocumentUploadResult, "The same file is already in this project"),
    },
    errors: [403, 422],
    idempotency: "natural",
  }),
  "documents.list": endpoint({
    id: "documents.list",
    method: "get",
    path: "/projects/{projectId}/documents",
    tag: "documents",
    auth: true,
    summary: "Documents in a project, newest first",
    params: P.ProjectIdParams,
    query: D.DocumentListQuery,
    responses: { 200: ok(pageOf(D.Document)) },
  }),
  "documents.get": endpoint({
    id: "documents.get",
    method: "get",
    path: "/documents/{documentId}",
    tag: "documents",
    auth: true,
    summary: "A document: status, progress, metadata",
    params: D.DocumentIdParams,
    responses: { 200: ok(D.Document) },
  }),
  "documents.pages": endpoint({
    id: "documents.pages",
    method: "get",
    path: "/documents/{documentId}/pages",
    tag: "documents",
    auth: true,
    summary: "Per-page text (optionally with positioned spans)",
    params: D.DocumentIdParams,
    query: D.DocumentPagesQuery,
    responses: { 200: ok(D.DocumentPages) },
    errors: [409],
  }),
  "documents.file": endpoint({
    id: "documents.file",
    method: "get",
    path: "/documents/{documentId}/file",
    tag: "documents",
    auth: true,
    summary: "Download the original file",
    params: D.DocumentIdParams,
    responses: {
      200: {
        description: "The file's bytes, typed as sniffed at upload, as an attachment",
        contentType: D.MediaType.options,
      },
    },
  }),
  "documents.delete": endpoint({
    id: "documents.delete",
    method: "delete",
    path: "/documents/{documentId}",
    tag: "documents",
    auth: true,
    summary: "Delete a document, its file, index entries and notes (owner, editor)",
    params: D.DocumentIdParams,
    responses: noContent,
    errors: [403],
  }),
  // jobs
  "jobs.get": endpoint({
    id: "jobs.get",
    method: "get",
    path: "/jobs/{jobId}",
    tag: "jobs",
    auth: true,
    summary: "A background job",
    params: J.JobIdParams,
    responses: { 200: ok(J.Job) },
  }),
  "jobs.list": endpoint({
    id: "jobs.list",
    method: "get",
    path: "/projects/{projectId}/jobs",
    tag: "jobs",
    auth: true,
    summary: "Jobs of a project, newest first",
    params: P.ProjectIdParams,
    query: J.JobListQuery,
    responses: { 200: ok(pageOf(J.Job)) },
  }),
  // search
  "search.query": endpoint({
    id: "search.query",
    method: "get",
    path: "/search",
    tag: "search",
    auth: true,
    summary: "Full-text search over the chunks of documents you can read",
    query: S.SearchQuery,
    responses: { 200: ok(S.SearchResults) },
    errors: [404],
  }),
  // notes
  "templates.list": endpoint({
    id: "templates.list",
    method: "get",
    path: "/templates",
    tag: "notes",
    auth: true,
    summary: "Built-in note templates",
    responses: { 200: ok(N.TemplateList) },
  }),
  "templates.listProject": endpoint({
    id: "templates.listProject",
    method: "get",
    path: "/projects/{projectId}/templates",
    tag: "templates",
    auth: true,
    summary: "Templates a project's notes can use: the built-in ones, then the project's own by name",
    params: P.ProjectIdParams,
    responses: { 200: ok(N.TemplateList) },
  }),
  "templates.create": endpoint({
    id: "templates.create",
    method: "post",
    path: "/projects/{projectId}/templates",
    tag: "templates",
    auth: true,
    summary:
      "Create a custom template (owner, editor); the skeleton is validated and every problem listed with its line and column",
    params: P.ProjectIdParams,
    body: T.TemplateCreateBody,
    responses: { 201: ok(T.CustomTemplate, "Created") },
    errors: [403, 409],
    idempotency: "key",
  }),
  "templates.preview": endpoint({
    id: "templates.preview",
    method: "post",
    path: "/projects/{projectId}/templates/preview",
    tag: "templates",
    auth: true,
    summary:
      "Render a skeleton against a document's metadata (or sample metadata) without a model, with its problems",
    params: P.ProjectIdParams,
    body: T.TemplatePreviewBody,
    responses: { 200: ok(T.TemplatePreview) },
    idempotency: "natural",
  }),
  "templates.get": endpoint({
    id: "templates.get",
    method: "get",
    path: "/templates/{templateId}",
    tag: "templates",
    auth: true,
    summary: "A project's custom template",
    params: T.TemplateIdParams,
    responses: { 200: ok(T.CustomTemplate) },
  }),
  "templates.update": endpoint({
    id: "templates.update",
    method: "patch",
    path: "/templates/{templateId}",
    tag: "templates",
    auth: true,
    summary: "Change a custom template (owner, editor); notes already generated keep their text",
    params: T.TemplateIdParams,
    body: T.TemplateUpdateBody,
    responses: { 200: ok(T.CustomTemplate) },
    errors: [403, 409],
    idempotency: "key",
  }),
  "templates.delete": endpoint({
    id: "templates.delete",
    method: "delete",
    path: "/templates/{templateId}",
    tag: "templates",
    auth: true,
    summary: "Delete a custom template (owner, editor); notes made with it stay",
    params: T.TemplateIdParams,
    responses: noContent,
    errors: [403],
  }),
  "notes.create": endpoint({
    id: "notes.create",
    method: "post",
    path: "/documents/{documentId}/notes",
    tag: "notes",
    auth: true,
    summary: "Generate a note from a ready document; queues generation",
    params: D.DocumentIdParams,
    body: N.NoteCreateBody,
    responses: {
      200: ok(N.NoteCreateResult, "Served from the cache: a ready copy of an identical note, no job"),
      202: ok(N.NoteCreateResult, "Accepted: generation queued"),
    },
    errors: [402, 403, 409],
    idempotency: "key",
  }),
  "notes.estimate": endpoint({
    id: "notes.estimate",
    method: "post",
    path: "/documents/{documentId}/notes/estimate",
    tag: "notes",
    auth: true,
    summary: "Tokens and cost a note of a ready document would take with the configured provider and model",
    params: D.DocumentIdParams,
    body: N.NoteEstimateBody,
    responses: { 200: ok(N.NoteEstimate) },
    errors: [409],
    idempotency: "natural",
  }),
  "notes.estimateBatch": endpoint({
    id: "notes.estimateBatch",
    method: "post",
    path: "/projects/{projectId}/notes/estimate",
    tag: "notes",
    auth: true,
    summary: "Estimates for notes of several ready documents of a project, and their total",
    params: P.ProjectIdParams,
    body: N.NoteEstimateBatchBody,
    responses: { 200: ok(N.NoteEstimateBatch) },
    errors: [409],
    idempotency: "natural",
  }),
  "usage.get": endpoint({
    id: "usage.get",
    method: "get",
    path: "/usage",
    tag: "notes",
    auth: true,
    summary:
      "Your recorded LLM usage (tokens, cost) for a month, per project, and a project's with `projectId`",
    query: U.UsageQuery,
    responses: { 200: ok(U.UsageReport) },
    errors: [404],
  }),
  "notes.list": endpoint({
    id: "notes.list",
    method: "get",
    path: "/projects/{projectId}/notes",
    tag: "notes",
    auth: true,
    summary: "Notes in a project, newest first",
    params: P.ProjectIdParams,
    query: N.NoteListQuery,
    responses: { 200: ok(pageOf(N.Note)) },
  }),
  "notes.get": endpoint({
    id: "notes.get",
    method: "get",
    path: "/notes/{noteId}",
    tag: "notes",
    auth: true,
    summary: "A note with its Markdown",
    params: N.NoteIdParams,
    responses: { 200: ok(N.Note) },
  }),
  "notes.update": endpoint({
    id: "notes.update",
    method: "patch",
    path: "/notes/{noteId}",
    tag: "notes",
    auth: true,
    summary:
      "Replace a ready note's Markdown (and optionally its title) if it is unchanged since you read it (owner, editor; `If-Match` required)",
    params: N.NoteIdParams,
    headers: N.NoteUpdateHeaders,
    body: N.NoteUpdateBody,
    responses: { 200: ok(N.Note) },
    errors: [403, 409, 428],
    idempotency: "key",
  }),
  "notes.delete": endpoint({
    id: "notes.delete",
    method: "delete",
    path: "/notes/{noteId}",
    tag: "notes",
    auth: true,
    summary: "Delete a note (owner, editor)",
    params: N.NoteIdParams,
    responses: noContent,
    errors: [403],
  }),
  // llm
  "projects.ask": endpoint({
    id: "projects.ask",
    method: "post",
    path: "/projects/{projectId}/ask",
    tag: "llm",
    auth: true,
    summary:
      "Answer a question from the project's library with page citations, or abstain; SSE (`token` events, then `answer`) with `Accept: text/event-stream`",
    params: P.ProjectIdParams,
    body: K.AskBody,
    responses: { 200: ok(K.AskResult) },
    errors: [422, 502],
    idempotency: "key",
  }),
  // events
  "events.stream": endpoint({
    id: "events.stream",
    method: "get",
    path: "/events",
    tag: "events",
    auth: true,
    summary:
      "Job and document events: SSE with `Accept: text/event-stream`, else JSON (long-poll with `wait`)",
    query: E.EventsQuery,
    responses: { 200: { description: "Events", schema: E.EventList, contentType: "application/json" } },
    errors: [404],
  }),
} as const satisfies Record<string, Endpoint>;

export type EndpointId = keyof typeof endpoints;
export const endpointList: Endpoint[] = Object.values(endpoints);
