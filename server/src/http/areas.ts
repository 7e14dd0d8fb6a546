import { endpointList, type Endpoint } from "@academic-assist/sdk/contract";
import type { Area, ServiceRole } from "../config.ts";

/**
 * Which area (and so which role of the split topology) serves an endpoint. Decided by the
 * endpoint's contract `tag`, so a new endpoint lands in its module's area without a change here;
 * the few endpoints whose work belongs to another area are listed by id below.
 * `areas.test.ts` walks the registry: every endpoint must resolve to exactly one area.
 */
const AREA_BY_TAG: Readonly<Record<string, Area>> = {
  auth: "auth",
  projects: "project",
  documents: "document",
  jobs: "document",
  search: "document",
  notes: "note",
  events: "note",
  llm: "llm",
  // Templates shape prompts: the area that owns the model's configuration serves them.
  templates: "llm",
};

/**
 * Endpoints tagged with one module but served by another area: everything that needs the language
 * model's configuration, prices or prompts (asking, estimating, spending, templates) is `llm`.
 */
const AREA_BY_ID: Readonly<Record<string, Area>> = {
  "templates.list": "llm",
  "notes.estimate": "llm",
  "notes.estimateBatch": "llm",
  "usage.get": "llm",
};

/** The area serving `endpoint`; throws for an endpoint whose tag has no area (caught by areas.test.ts). */
export function areaOf(endpoint: Pick<Endpoint, "id" | "tag">): Area {
  const area = AREA_BY_ID[endpoint.id] ?? AREA_BY_TAG[endpoint.tag];
  if (!area) {
    throw new Error(
      `Endpoint ${endpoint.id} (tag "${endpoint.tag}") has no area: add its tag to AREA_BY_TAG in server/src/http/areas.ts`,
    );
  }
  return area;
}

/** Whether a process playing `role` serves `endpoint` (`all` serves everything, the gateway nothing itself). */
export function roleServes(role: ServiceRole, endpoint: Pick<Endpoint, "id" | "tag">): boolean {
  if (role === "all") return true;
  if (role === "gateway") return false;
  return areaOf(endpoint) === role;
}

/** Every endpoint of the contract with its area, in registry order. */
export function areaTable(): { endpoint: Endpoint; area: Area }[] {
  return endpointList.map((endpoint) => ({ endpoint, area: areaOf(endpoint) }));
}
