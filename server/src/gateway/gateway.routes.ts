import { AppError } from "@academic-assist/core";
import { endpointList } from "@academic-assist/sdk/contract";
import { Router, type RequestHandler } from "express";
import type { Area } from "../config.ts";
import { areaOf } from "../http/areas.ts";
import { expressPath } from "../http/endpoint.ts";
import { MULTIPART_OVERHEAD_BYTES } from "../modules/documents/upload-body.ts";
import { proxyTo, Upstream } from "./proxy.ts";

/**
 * The gateway's `/api/v1` router, built from the endpoint registry: each contract endpoint is
 * proxied to its area's role, after `requireAuth` when the endpoint needs a caller — so an
 * unauthenticated request is answered 401 here and never reaches a role. Paths outside the
 * registry answer 404 without a hop.
 */
export function gatewayRoutes(deps: {
  upstreams: Record<Area, string | null>;
  secret: string;
  requireAuth: RequestHandler;
  /** MAX_UPLOAD_MB: uploads above it are refused here, as the document role would. */
  maxUploadMb: number;
}): { router: Router; close: () => void } {
  const uploadLimit = (req: { headers: Record<string, unknown> }) => ({
    // Multipart framing (boundaries, part headers) comes on top of the file; the role counts the file.
    bytes:
      deps.maxUploadMb * 1024 * 1024 +
      (String(req.headers["content-type"]).startsWith("multipart/") ? MULTIPART_OVERHEAD_BYTES : 0),
    detail: `The file is larger than the limit of ${deps.maxUploadMb} MB.`,
  });
  const upstreams = new Map<Area, Upstream>();
  for (const [area, base] of Object.entries(deps.upstreams) as [Area, string | null][]) {
    if (base) upstreams.set(area, new Upstream(area, base));
  }
  const router = Router();
  for (const endpoint of endpointList) {
    const area = areaOf(endpoint);
    const upstream = upstreams.get(area);
    const proxy: RequestHandler = upstream
      ? proxyTo(upstream, {
          secret: deps.secret,
          maxBodyBytes: endpoint.rawBody ? uploadLimit : undefined,
        })
      : (_req, _res, next) => {
          next(new AppError("service_unavailable", `No ${area} service is configured on this gateway.`));
        };
    router[endpoint.method](expressPath(endpoint.path), ...(endpoint.auth ? [deps.requireAuth] : []), proxy);
  }
  router.use((req, _res, next) => {
    next(new AppError("not_found", `No endpoint ${req.method} ${req.baseUrl}${req.path}.`));
  });
  return {
    router,
    close() {
      for (const u of upstreams.values()) u.close();
    },
  };
}
