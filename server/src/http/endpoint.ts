import { AppError, type IdempotencyRepository, type Logger } from "@academic-assist/core";
import {
  endpoints,
  NOTE_MARKDOWN_MAX_CHARS,
  type Endpoint,
  type EndpointId,
} from "@academic-assist/sdk/contract";
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from "express";
import type { z } from "zod";
import { runIdempotent } from "./idempotency.ts";
import { fieldErrors } from "./problem.ts";

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;
type Def<E extends EndpointId> = (typeof endpoints)[E];

/** What a handler receives: the request's parts already parsed by the contract, and the caller. */
export interface HandlerInput<E extends EndpointId> {
  params: Def<E> extends { params: infer P } ? Infer<P> : Record<string, never>;
  query: Def<E> extends { query: infer Q } ? Infer<Q> : Record<string, never>;
  body: Def<E> extends { body: infer B } ? Infer<B> : undefined;
  user: Def<E>["auth"] extends true ? AuthUser : AuthUser | null;
  req: Request;
  res: Response;
}

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  /** How the caller authenticated: a session JWT or a personal API token. */
  via: "jwt" | "api_token";
  tokenId?: string;
}

/** A handler's answer; `null` when the handler wrote the response itself (files, SSE). */
export type HandlerResult = { status: number; body?: unknown; headers?: Record<string, string> } | null;

declare module "express-serve-static-core" {
  interface Request {
    user?: AuthUser;
  }
}

/** Express path of a contract path: `/projects/{projectId}` → `/projects/:projectId`. */
export const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ":$1");

function parsePart(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return {};
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const errors = fieldErrors(result.error, where);
    const first = errors[0];
    throw new AppError(
      "validation_failed",
      first ? `${first.path}: ${first.message}` : "The request is invalid.",
      {
        fieldErrors: errors,
      },
    );
  }
  return result.data;
}

const routeFilters = new WeakMap<Router, (endpoint: Endpoint) => boolean>();
const idempotencyStores = new WeakMap<Router, { store: IdempotencyRepository; logger: Logger }>();

/**
 * The largest JSON body accepted (413 above): room for the largest valid one — a note edit of
 * NOTE_MARKDOWN_MAX_CHARS characters, each of which a client may send as a 6-byte `\uXXXX` escape —
 * so that a body the contract allows is never refused for its size, and one it refuses gets a 400
 * naming the field.
 */
export const JSON_BODY_LIMIT_BYTES = NOTE_MARKDOWN_MAX_CHARS * 6 + 64 * 1024;

/** JSON bodies, parsed only on the endpoints whose contract has one (uploads stream theirs untouched). */
const jsonBody = express.json({
  limit: JSON_BODY_LIMIT_BYTES,
  type: ["application/json", "application/*+json"],
});

/**
 * Where `register` keeps the answers of the endpoints whose contract says `idempotency: "key"`:
 * every such endpoint registered on `router` honours `Idempotency-Key` through it (see
 * `runIdempotent`); registering one on a router without a store is a startup error.
 */
export function honourIdempotencyKeys(router: Router, store: IdempotencyRepository, logger: Logger): void {
  idempotencyStores.set(router, { store, logger });
}

/**
 * Limits what `register` mounts on `router` to the endpoints `serves` accepts: a role of the split
 * topology mounts its own area's routes only, and answers 404 for the rest like any unknown path.
 */
export function serveOnly(router: Router, serves: (endpoint: Endpoint) => boolean): void {
  routeFilters.set(router, serves);
}

/**
 * Registers the contract endpoint `id` on `router` (unless `serveOnly` excludes it): authentication (when the endpoint needs it),
 * then params, query and body parsed by the contract's schemas (400 naming the field), then the
 * handler — once per `Idempotency-Key` where the contract declares `idempotency: "key"`. Every route
 * of the server is registered through here, so every route is in the OpenAPI, and the statuses the
 * contract derives from an endpoint's shape (`errorStatuses`) are the ones this chain can answer.
 */
export function register<E extends EndpointId>(
  router: Router,
  id: E,
  middlewares: { auth: RequestHandler; before?: RequestHandler[] },
  handler: (input: HandlerInput<E>) => Promise<HandlerResult>,
): void {
  const e: Endpoint = endpoints[id];
  if (routeFilters.get(router)?.(e) === false) return;
  const idempotency = e.idempotency === "key" ? idempotencyStores.get(router) : undefined;
  if (e.idempotency === "key" && (!idempotency || !e.auth)) {
    throw new Error(
      `${e.id} honours Idempotency-Key: it needs authentication and a router with honourIdempotencyKeys()`,
    );
  }
  const chain: RequestHandler[] = [];
  if (e.auth) chain.push(middlewares.auth);
  if (e.body) chain.push(jsonBody);
  chain.push(...(middlewares.before ?? []));
  chain.push(async (req: Request, res: Response, _next: NextFunction) => {
    const params = parsePart(e.params, req.params, "params");
    const query = parsePart(e.query, req.query, "query");
    let body: unknown = undefined;
    if (e.body) {
      if (!req.is("application/json")) {
        throw new AppError(
          "unsupported_media_type",
          "Send the body as JSON with `Content-Type: application/json`.",
        );
      }
      body = parsePart(e.body, req.body, "body");
    }
    const run = () =>
      handler({
        params,
        query,
        body,
        user: req.user ?? null,
        req,
        res,
      } as HandlerInput<E>);
    const result =
      idempotency && req.user
        ? await runIdempotent(idempotency.store, idempotency.logger, e, req.user.id, req, res, run)
        : await run();
    if (result === null) return;
    for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
    if (result.body === undefined) res.status(result.status).end();
    else res.status(result.status).json(result.body);
  });
  router[e.method](expressPath(e.path), ...chain);
}
