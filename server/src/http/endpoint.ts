import { AppError } from "@academic-assist/core";
import { endpoints, type Endpoint, type EndpointId } from "@academic-assist/sdk/contract";
import type { NextFunction, Request, RequestHandler, Response, Router } from "express";
import type { z } from "zod";
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
 * handler. Every route of the server is registered through here, so every route is in the OpenAPI.
 */
export function register<E extends EndpointId>(
  router: Router,
  id: E,
  middlewares: { auth: RequestHandler; before?: RequestHandler[] },
  handler: (input: HandlerInput<E>) => Promise<HandlerResult>,
): void {
  const e: Endpoint = endpoints[id];
  if (routeFilters.get(router)?.(e) === false) return;
  const chain: RequestHandler[] = [];
  if (e.auth) chain.push(middlewares.auth);
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
    const result = await handler({
      params,
      query,
      body,
      user: req.user ?? null,
      req,
      res,
    } as HandlerInput<E>);
    if (result === null) return;
    for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
    if (result.body === undefined) res.status(result.status).end();
    else res.status(result.status).json(result.body);
  });
  router[e.method](expressPath(e.path), ...chain);
}
