import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "@academic-assist/core";
import type { Request, RequestHandler } from "express";
import type { AuthUser } from "./endpoint.ts";

/**
 * The header by which the gateway tells a role service who is calling. The gateway strips it from
 * every incoming request and sets its own; a role service accepts it only when its HMAC verifies.
 */
export const IDENTITY_HEADER = "x-academic-assist-identity";

/** How long a signed identity stays valid: one hop over the internal network, plus clock skew. */
export const IDENTITY_TTL_MS = 30_000;

/** What the gateway vouches for on one proxied request. */
export interface ForwardedIdentity {
  /** The request id the gateway forwards as `X-Request-Id`. */
  requestId: string;
  /** The method and the `/api/v1/…` path with query the identity was issued for. */
  method: string;
  url: string;
  /** The client's address as the gateway saw it (login rate limits key on it). */
  ip: string;
  /** The verified caller; null for the public routes (login, registration). */
  user: AuthUser | null;
  /** Expiry, in milliseconds since the epoch. */
  exp: number;
}

/** The signing key: derived from SECRET_KEY, so identities and session JWTs never share a key. */
function identityKey(secret: string): Buffer {
  return createHmac("sha256", secret).update("academic-assist/gateway-identity/v1").digest();
}

const sign = (key: Buffer, payload: string) => createHmac("sha256", key).update(payload).digest("base64url");

/** Signs `identity` for the header (`v1.<payload>.<mac>`); the gateway calls this per request. */
export function signIdentity(
  secret: string,
  identity: Omit<ForwardedIdentity, "exp">,
  now = Date.now(),
): string {
  const payload = Buffer.from(JSON.stringify({ ...identity, exp: now + IDENTITY_TTL_MS })).toString(
    "base64url",
  );
  return `v1.${payload}.${sign(identityKey(secret), `v1.${payload}`)}`;
}

/** The identity in `header` when its MAC verifies and it has not expired; null otherwise. */
export function verifyIdentity(secret: string, header: string, now = Date.now()): ForwardedIdentity | null {
  const [version, payload, mac] = header.split(".");
  if (version !== "v1" || !payload || !mac) return null;
  const expected = Buffer.from(sign(identityKey(secret), `v1.${payload}`));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let identity: ForwardedIdentity;
  try {
    identity = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as ForwardedIdentity;
  } catch {
    return null;
  }
  if (typeof identity.exp !== "number" || identity.exp < now || identity.exp > now + 2 * IDENTITY_TTL_MS) {
    return null;
  }
  return identity;
}

const verified = new WeakMap<Request, ForwardedIdentity>();

/** The gateway's verified identity for this request, when it came through the gateway. */
export function forwardedIdentity(req: Request): ForwardedIdentity | undefined {
  return verified.get(req);
}

/**
 * Role services: accepts the gateway's identity header when it verifies and was issued for this
 * very request (same request id, method and URL, not expired); any other value of the header is
 * answered 401 — a client that forges it gets nothing, whether it calls a role or the gateway
 * (which strips it). Requests without the header go on to the usual bearer-token check.
 */
export function trustGateway(secret: string): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers[IDENTITY_HEADER];
    if (header === undefined) {
      next();
      return;
    }
    const identity = typeof header === "string" ? verifyIdentity(secret, header) : null;
    if (
      !identity ||
      identity.requestId !== req.id ||
      identity.method !== req.method ||
      identity.url !== req.originalUrl
    ) {
      next(new AppError("unauthorized", "The internal identity header is not valid."));
      return;
    }
    verified.set(req, identity);
    // Rate limits and logs see the client, not the gateway.
    Object.defineProperty(req, "ip", { value: identity.ip, configurable: true });
    next();
  };
}
