import { z } from "zod";
import { IdempotencyKey } from "./common.ts";
import { endpointList, type Endpoint } from "./endpoints.ts";
import { ERROR_CODES, Problem, PROBLEM_CONTENT_TYPE } from "./errors.ts";
import { ERROR_STATUS_REASONS, errorStatuses } from "./statuses.ts";

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schema (2020-12, which OpenAPI 3.1 uses) of a zod schema. Schemas named with `.meta({ id })`
 * are hoisted into `components` and referenced, so the document stays small and readable.
 */
function toSchema(
  schema: z.ZodType,
  io: "input" | "output",
  components: Record<string, unknown>,
): JsonSchema {
  const suffix = io === "input" ? "Input" : "";
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  const text = JSON.stringify(json).replace(
    /"#\/\$defs\/([A-Za-z0-9_]+)"/g,
    (_m, id: string) => `"#/components/schemas/${id}${suffix}"`,
  );
  const rewritten = JSON.parse(text) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  for (const [id, def] of Object.entries(rewritten.$defs ?? {})) {
    delete def.id;
    components[`${id}${suffix}`] ??= def;
  }
  delete rewritten.$defs;
  delete rewritten.id;
  const id = z.globalRegistry.get(schema)?.id;
  if (id) {
    components[`${id}${suffix}`] ??= rewritten;
    return { $ref: `#/components/schemas/${id}${suffix}` };
  }
  return rewritten;
}

function parametersOf(e: Endpoint, components: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  for (const [where, obj] of [
    ["path", e.params],
    ["query", e.query],
    ["header", e.headers],
  ] as const) {
    if (!obj) continue;
    const json = toSchema(obj, "input", components) as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, schema] of Object.entries(json.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === "path" ? true : (json.required ?? []).includes(name) && !("default" in schema),
        schema,
      });
    }
  }
  if (e.idempotency === "key") {
    out.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description:
        "Makes a retry safe: the first 2xx answer to this key (per user and endpoint) is replayed, with " +
        "`Idempotent-Replayed: true`; the key reused for another request, or while its first request is " +
        "still running, answers 409 `idempotency_conflict` (the latter with `Retry-After`).",
      schema: toSchema(IdempotencyKey, "input", components),
    });
  }
  return out;
}

/** The OpenAPI 3.1 document of the API, generated from the contract's endpoints and schemas. */
export function buildOpenApiDocument(
  options: { serverUrl?: string; version?: string } = {},
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {};
  toSchema(Problem, "output", schemas);

  for (const e of endpointList) {
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(e.responses)) {
      if (!r) continue;
      const types = typeof r.contentType === "string" ? [r.contentType] : (r.contentType ?? []);
      responses[status] = r.schema
        ? {
            description: r.description,
            content: {
              [types[0] ?? "application/json"]: { schema: toSchema(r.schema, "output", schemas) },
            },
          }
        : types.length > 0
          ? {
              description: r.description,
              content: Object.fromEntries(
                types.map((type) => [type, { schema: { type: "string", format: "binary" } }]),
              ),
            }
          : { description: r.description };
    }
    for (const status of errorStatuses(e)) {
      responses[String(status)] = {
        description: ERROR_STATUS_REASONS[status as keyof typeof ERROR_STATUS_REASONS] ?? "Error",
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: "#/components/schemas/Problem" } } },
      };
    }
    const op: Record<string, unknown> = {
      operationId: e.id,
      summary: e.summary,
      tags: [e.tag],
      parameters: parametersOf(e, schemas),
      responses,
    };
    if (!e.auth) op.security = [];
    if (e.body) {
      op.requestBody = {
        required: true,
        content: { "application/json": { schema: toSchema(e.body, "input", schemas) } },
      };
    } else if (e.rawBody) {
      op.requestBody = {
        required: true,
        content: Object.fromEntries(
          e.rawBody.map((type) => [
            type,
            type === "multipart/form-data"
              ? {
                  schema: {
                    type: "object",
                    properties: { file: { type: "string", format: "binary" } },
                    required: ["file"],
                  },
                }
              : { schema: { type: "string", format: "binary" } },
          ]),
        ),
      };
    }
    (paths[e.path] ??= {})[e.method] = op;
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "Academic Assist API",
      version: options.version ?? "0.1.0",
      description:
        "Turn research papers into Markdown notes whose every claim cites its page. Errors are RFC 9457 " +
        "problem+json with a stable `code`: " +
        Object.keys(ERROR_CODES).join(", ") +
        ".",
    },
    servers: [{ url: `${options.serverUrl ?? ""}/api/v1` }],
    security: [{ bearer: [] }],
    tags: [...new Set(endpointList.map((e) => e.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "A JWT from /auth/login, or a personal API token from /auth/tokens",
        },
      },
      schemas,
    },
  };
}
