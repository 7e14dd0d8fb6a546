export { AcademicAssist, AcademicAssist as default } from "./client.ts";
export type { ClientOptions, Fetch, RequestOptions } from "./core/api-client.ts";
export {
  AcademicAssistError,
  ApiError,
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  ProcessingFailedError,
  RateLimitError,
  ResponseValidationError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  type ApiErrorCode,
} from "./core/errors.ts";
export { Page, PagePromise, type PageParams } from "./core/pagination.ts";
export type { WaitOptions } from "./core/wait.ts";
export type { AuthLoginParams, AuthRegisterParams } from "./resources/auth.ts";
export type {
  DocumentListParams,
  DocumentPages,
  DocumentPagesParams,
  DocumentUploadParams,
  DocumentWaitOptions,
  Uploadable,
} from "./resources/documents.ts";
export { EventStream, type EventListParams, type EventStreamParams } from "./resources/events.ts";
export type { JobListParams } from "./resources/jobs.ts";
export type {
  NoteCreateParams,
  NoteEstimateBatchParams,
  NoteEstimateParams,
  NoteListParams,
  NoteUpdateOptions,
  NoteUpdateParams,
  NoteWaitOptions,
} from "./resources/notes.ts";
export type { UsageParams } from "./resources/usage.ts";
export type {
  AskStreamEvent,
  MemberAddParams,
  MemberUpdateParams,
  ProjectAskParams,
  ProjectCreateParams,
  ProjectListParams,
  ProjectUpdateParams,
} from "./resources/projects.ts";
export type { SearchQueryParams } from "./resources/search.ts";
export type { TokenCreateParams } from "./resources/tokens.ts";
export type {
  ApiToken,
  AskCitation,
  AskPassage,
  AskResult,
  ApiTokenCreated,
  Document,
  DocumentMetadata,
  DocumentPage,
  DocumentStatus,
  DocumentUploadResult,
  ErrorCode,
  Event,
  EventList,
  EventType,
  FieldError,
  Job,
  JobError,
  JobStatus,
  Language,
  Member,
  Note,
  NoteCreateResult,
  NoteStatus,
  Problem,
  Progress,
  Project,
  Role,
  SearchHit,
  SearchResults,
  Session,
  Template,
  User,
} from "./contract/index.ts";
