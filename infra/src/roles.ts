/** The server roles of the split topology, each a Fargate service from the one server image. */
export type ServerRole = "gateway" | "auth" | "project" | "document" | "llm" | "note";
/** Every Fargate service: the six server roles and the worker. */
export type ServiceName = ServerRole | "worker";

/**
 * What a service reaches besides MongoDB and Redis (every process) and SECRET_KEY (every server
 * role: each verifies session JWTs or the gateway's signed identities; the worker signs nothing).
 */
export interface ServiceNeeds {
  /** The search index (OpenSearch / Elasticsearch). */
  search: boolean;
  /** The documents bucket: `readwrite` (upload), `read` (extraction), `delete` (project cleanup), none. */
  bucket: "readwrite" | "read" | "delete" | null;
  /**
   * LLM_PROVIDER, the models and the provider API keys: where a model is called (llm, worker), where
   * a note request resolves its project's model and cache key (note), and where a project owner's
   * choice of provider is checked against the keys the deployment has (project: `assertAvailable`
   * in core/src/wiring.ts refuses a provider whose key is not configured in that process).
   */
  llm: boolean;
}

export interface ServiceSizing {
  /** Fargate CPU units (1024 = 1 vCPU). */
  cpu: number;
  /** Fargate memory, MiB. */
  memoryMiB: number;
  minCapacity: number;
  maxCapacity: number;
}

export interface ServiceSpec extends ServiceSizing, ServiceNeeds {
  name: ServiceName;
  /** Container port (server roles only; the worker listens on nothing). */
  port: number | null;
}

/**
 * The original design's sizing, one line per service: gateway 0.5 vCPU / 1 GB 2–10, auth and
 * project 0.25 / 0.5 GB 2–5, document 1 / 2 GB 2–8, llm 1 / 4 GB 2–8, note 0.5 / 1 GB 2–5,
 * worker 2 / 4 GB 2–10. Ports are the design's 8000…8005. What each reaches follows the areas in
 * server/src/http/areas.ts: search is served by `document`, asking by `llm`, project deletion
 * removes blobs and index entries (`project`), the worker extracts, indexes and generates.
 */
export const SERVICES: readonly ServiceSpec[] = [
  {
    name: "gateway",
    port: 8000,
    cpu: 512,
    memoryMiB: 1024,
    minCapacity: 2,
    maxCapacity: 10,
    search: false,
    bucket: null,
    llm: false,
  },
  {
    name: "auth",
    port: 8001,
    cpu: 256,
    memoryMiB: 512,
    minCapacity: 2,
    maxCapacity: 5,
    search: false,
    bucket: null,
    llm: false,
  },
  {
    name: "project",
    port: 8002,
    cpu: 256,
    memoryMiB: 512,
    minCapacity: 2,
    maxCapacity: 5,
    search: true,
    bucket: "delete",
    llm: true,
  },
  {
    name: "document",
    port: 8003,
    cpu: 1024,
    memoryMiB: 2048,
    minCapacity: 2,
    maxCapacity: 8,
    search: true,
    bucket: "readwrite",
    llm: false,
  },
  {
    name: "llm",
    port: 8004,
    cpu: 1024,
    memoryMiB: 4096,
    minCapacity: 2,
    maxCapacity: 8,
    search: true,
    bucket: null,
    llm: true,
  },
  {
    name: "note",
    port: 8005,
    cpu: 512,
    memoryMiB: 1024,
    minCapacity: 2,
    maxCapacity: 5,
    search: false,
    bucket: null,
    llm: true,
  },
  {
    name: "worker",
    port: null,
    cpu: 2048,
    memoryMiB: 4096,
    minCapacity: 2,
    maxCapacity: 10,
    search: true,
    bucket: "read",
    llm: true,
  },
];

/** The gateway's upstream variable for each role behind it. */
export const UPSTREAM_VARIABLES: Readonly<Record<Exclude<ServerRole, "gateway">, string>> = {
  auth: "API_BASE_URL_AUTH",
  project: "API_BASE_URL_PROJECT",
  document: "API_BASE_URL_DOCUMENT",
  llm: "API_BASE_URL_LLM",
  note: "API_BASE_URL_NOTE",
};
