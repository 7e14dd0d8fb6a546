import { randomUUID } from "node:crypto";
import { Access, AppError, logContext, type AppContext } from "@academic-assist/core";
import cors from "cors";
import express, { type Express } from "express";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import type { ServerConfig } from "./config.ts";
import { gatewayRoutes } from "./gateway/gateway.routes.ts";
import { roleServes } from "./http/areas.ts";
import { honourIdempotencyKeys, serveOnly } from "./http/endpoint.ts";
import { trustGateway } from "./http/internal-identity.ts";
import { errorMiddleware } from "./http/problem.ts";
import { HttpMetrics } from "./http/metrics.ts";
import { configurePassport, requireAuth } from "./modules/auth/auth.middleware.ts";
import { authRoutes } from "./modules/auth/auth.routes.ts";
import { AuthService } from "./modules/auth/auth.service.ts";
import { documentRoutes } from "./modules/documents/documents.routes.ts";
import { DocumentService } from "./modules/documents/documents.service.ts";
import { eventRoutes } from "./modules/events/events.routes.ts";
import { healthRoutes } from "./modules/health/health.routes.ts";
import { jobRoutes } from "./modules/jobs/jobs.routes.ts";
import { llmRoutes } from "./modules/llm/llm.routes.ts";
import { noteRoutes } from "./modules/notes/notes.routes.ts";
import { ProjectCleanup } from "./modules/projects/project-cleanup.ts";
import { projectRoutes } from "./modules/projects/projects.routes.ts";
import { searchRoutes } from "./modules/search/search.routes.ts";
import { templateRoutes } from "./modules/templates/templates.routes.ts";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface ServerDeps {
  app: AppContext;
  config: ServerConfig;
  /** Signs JWTs (SECRET_KEY, or the local one kept in DATA_DIR). */
  secret: string;
}

/**
 * The Express application of one role: middleware, the routes of the role's area (every area for
 * `all`; the proxy for `gateway`), health and metrics, one error handler.
 */
export function createApp(deps: ServerDeps): {
  express: Express;
  auth: AuthService;
  /** Releases what the app holds besides the context (the gateway's upstream connections). */
  close: () => void;
} {
  const { app, config } = deps;
  const server = express();
  server.disable("x-powered-by");
  server.set("trust proxy", "loopback");

  server.use(
    pinoHttp({
      logger: app.logger,
      genReqId: (req, res) => {
        const incoming = req.headers["x-request-id"];
        const id = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader("X-Request-Id", id);
        return id;
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info",
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url.split("?")[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  server.use((req, _res, next) => {
    logContext.run({ requestId: req.id as string }, next);
  });
  server.use(helmet());
  const origins = config.CORS_ORIGINS.split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  server.use(
    cors({
      origin: (origin, cb) => {
        cb(null, !origin || origins.includes(origin));
      },
      exposedHeaders: ["X-Request-Id", "Retry-After", "ETag"],
      maxAge: 600,
    }),
  );
  // Answers under /api/v1 are one user's data, or carry a token (login): no browser or proxy may
  // keep a copy. Set before any route so problem answers (401, 404, 500) carry it too. /healthz,
  // /readyz and /metrics are left cacheable: they hold no user data.
  server.use("/api/v1", (_req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    next();
  });
  const metrics = new HttpMetrics();
  server.use(metrics.middleware());
  healthRoutes(server, app, metrics, { role: config.SERVICE, upstreams: config.upstreams });

  const auth = new AuthService(app.repos, {
    secret: deps.secret,
    jwtTtlS: config.JWT_TTL_S,
    allowRegistration: config.ALLOW_REGISTRATION,
  });
  const passport = configurePassport(auth, app.repos);
  const access = new Access(app.repos);
  const cleanup = new ProjectCleanup({
    repos: app.repos,
    blobs: app.blobs,
    search: app.search,
    logger: app.logger,
  });
  const documents = new DocumentService(app, access);
  metrics.add(
    "academic_assist_uploads_in_progress",
    "gauge",
    "Uploads being received now (each holds a temp file until it settles).",
    () => [{ value: documents.uploads.inProgress }],
  );
  metrics.add(
    "academic_assist_uploads_total",
    "counter",
    "Uploads settled, by outcome: stored, duplicate, or the error code that refused them.",
    () => [...documents.uploads.outcomes].map(([outcome, value]) => ({ labels: { outcome }, value })),
  );
  const authMw = requireAuth(passport, auth);

  let close = () => {};
  const api = express.Router();
  if (config.SERVICE === "gateway") {
    const gateway = gatewayRoutes({
      upstreams: config.upstreams,
      secret: deps.secret,
      requireAuth: authMw,
      maxUploadMb: config.MAX_UPLOAD_MB,
    });
    api.use(gateway.router);
    close = gateway.close;
  } else {
    // Behind the gateway, the caller arrives as a signed identity; directly, as a bearer token.
    server.use("/api/v1", trustGateway(deps.secret));
    serveOnly(api, (endpoint) => roleServes(config.SERVICE, endpoint));
    honourIdempotencyKeys(api, app.repos.idempotency, app.logger);
    authRoutes(api, { auth, repos: app.repos, passport, requireAuth: authMw });
    projectRoutes(api, {
      repos: app.repos,
      access,
      requireAuth: authMw,
      cleanup,
      llmProviders: app.llmProviders,
    });
    documentRoutes(api, { app, access, documents, cleanup, requireAuth: authMw });
    jobRoutes(api, { app, access, requireAuth: authMw });
    searchRoutes(api, { app, access, requireAuth: authMw });
    noteRoutes(api, { app, access, requireAuth: authMw });
    templateRoutes(api, { app, access, requireAuth: authMw });
    llmRoutes(api, { app, access, requireAuth: authMw });
    eventRoutes(api, { app, access, requireAuth: authMw });
    api.use((req, _res, next) => {
      next(new AppError("not_found", `No endpoint ${req.method} ${req.baseUrl}${req.path}.`));
    });
  }
  server.use("/api/v1", api);
  server.use((req, _res, next) => {
    next(new AppError("not_found", `No endpoint ${req.method} ${req.path}.`));
  });
  server.use(errorMiddleware(app.logger));
  return { express: server, auth, close };
}
