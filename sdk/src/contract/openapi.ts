import { z } from "zod";
import { endpointList, type Endpoint } from "./endpoints.ts";
import { ERROR_CODES, Problem, PROBLEM_CONTENT_TYPE } from "./errors.ts";

const STATUS_TEXT: Record<number, string> = {
  400: "Invalid request (problem+json names the field)",
  401: "Missing, expired or invalid credentials",
  403: "Your role does not allow this",
  404: "Not found, or not yours",
  409: "Conflict",
  413: "Upload larger than the limit",
  415: "Unsupported file type",
  422: "The input cannot be processed",
  428: "The request must be conditional (send If-Match)",
  429: "Too many requests",
  500: "Unexpected error",
  503: "A dependency is unavailable",
};

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
      responses[status] = r.schema
        ? {
            description: r.description,
            content: {
              [r.contentType ?? "application/json"]: { schema: toSchema(r.schema, "output", schemas) },
            },
          }
        : r.contentType
          ? {
              description: r.description,
              content: { [r.contentType]: { schema: { type: "string", format: "binary" } } },
            }
          : { description: r.description };
    }
    const errorStatuses = new Set([400, ...(e.auth ? [401] : []), 500, 503, ...(e.errors ?? [])]);
    for (const status of [...errorStatuses].sort()) {
      responses[String(status)] = {
        description: STATUS_TEXT[status] ?? "Error",
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
