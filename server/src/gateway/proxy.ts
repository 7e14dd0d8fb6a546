import http from "node:http";
import https from "node:https";
import { Transform } from "node:stream";
import { AppError } from "@academic-assist/core";
import type { RequestHandler } from "express";
import type { Area } from "../config.ts";
import { IDENTITY_HEADER, signIdentity } from "../http/internal-identity.ts";

/** Headers that describe one connection, not the message: never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Request headers the gateway replaces: identity and credentials (the role trusts the signed identity), routing. */
const REPLACED = new Set([
  IDENTITY_HEADER,
  "authorization",
  "host",
  "x-request-id",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
]);

/** How long the gateway waits for a TCP connection to a role before answering 503. */
const CONNECT_TIMEOUT_MS = 3000;

/** One area's upstream: its base URL and a keep-alive agent for it. */
export class Upstream {
  readonly url: URL;
  private readonly agent: http.Agent;

  constructor(
    readonly area: Area,
    base: string,
  ) {
    this.url = new URL(base);
    // With an agent `timeout`, Node honours the role's `Keep-Alive: timeout=5` hint and drops an
    // idle socket a second before the role would, so a request never lands on a socket the role
    // is closing (which would surface as a spurious 503). Active requests are not cut by it.
    const options = { keepAlive: true, maxSockets: 256, timeout: 60_000 };
    this.agent = this.url.protocol === "https:" ? new https.Agent(options) : new http.Agent(options);
  }

  /** Opens a request to the role; the caller streams the body and handles the response. */
  request(path: string, options: { method: string; headers: http.OutgoingHttpHeaders }): http.ClientRequest {
    const target = new URL(path, this.url);
    const send = this.url.protocol === "https:" ? https.request : http.request;
    return send(target, { ...options, agent: this.agent });
  }

  /** Closes idle keep-alive connections (shutdown). */
  close(): void {
    this.agent.destroy();
  }
}

/**
 * Proxies the request to `upstream` as it arrives: the body streams to the role chunk by chunk (an
 * upload is never held in memory), and the answer streams back the same way (SSE events reach the
 * client as the role writes them) with its status, headers and problem+json body untouched. When
 * the client goes away, the upstream request is destroyed, so the role sees the abort too. A role
 * that cannot be reached answers 503 problem+json within the connect timeout.
 *
 * The role learns who is calling from a signed identity header (`signIdentity`), never from the
 * client's own headers: the client's `Authorization` and any identity header it sent are dropped.
 */
export function proxyTo(
  upstream: Upstream,
  options: {
    secret: string;
    /**
     * Uploads: the most body bytes this request may carry. The gateway refuses a larger declared
     * size before opening the upstream, and cuts a chunked body at the limit with the same 413 the
     * role would give — a role that answered 413 mid-body and closed could reset the connection
     * before its answer reached the gateway.
     */
    maxBodyBytes?: ((req: http.IncomingMessage) => { bytes: number; detail: string }) | undefined;
  },
): RequestHandler {
  return (req, res, next) => {
    const requestId = req.id as string;
    const limit = options.maxBodyBytes?.(req);
    const tooLarge = () => {
      res.setHeader("Connection", "close");
      return new AppError("payload_too_large", limit?.detail ?? "The body is too large.");
    };
    if (limit && Number(req.headers["content-length"] ?? 0) > limit.bytes) {
      next(tooLarge());
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && !REPLACED.has(name)) headers[name] = value;
    }
    // `req.ip` already resolves trusted proxies in front of the gateway ("trust proxy").
    const clientIp = req.ip ?? req.socket.remoteAddress ?? "";
    const priorFor = req.headers["x-forwarded-for"];
    const peer = req.socket.remoteAddress ?? "";
    headers["x-request-id"] = requestId;
    headers["x-forwarded-for"] = priorFor ? `${String(priorFor)}, ${peer}` : peer;
    headers["x-forwarded-proto"] = req.protocol;
    if (req.headers.host) headers["x-forwarded-host"] = req.headers.host;
    headers[IDENTITY_HEADER] = signIdentity(options.secret, {
      requestId,
      method: req.method,
      url: req.originalUrl,
      ip: clientIp,
      user: req.user ?? null,
    });

    let answered = false;
    const upstreamReq = upstream.request(req.originalUrl, { method: req.method, headers });

    upstreamReq.on("socket", (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => {
        upstreamReq.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" }));
      }, CONNECT_TIMEOUT_MS);
      socket.once("connect", () => clearTimeout(timer));
      socket.once("close", () => clearTimeout(timer));
    });

    upstreamReq.on("response", (upstreamRes) => {
      answered = true;
      res.status(upstreamRes.statusCode ?? 502);
      for (const [name, value] of Object.entries(upstreamRes.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) res.setHeader(name, value);
      }
      // The role closes the connection when it refuses a body it did not read (413): do the same,
      // so the client stops sending the rest instead of the gateway reading it for nothing.
      if (upstreamRes.headers.connection === "close" && !req.complete) res.setHeader("Connection", "close");
      res.flushHeaders();
      upstreamRes.pipe(res);
      upstreamRes.on("error", () => res.destroy());
      upstreamRes.on("aborted", () => res.destroy());
    });

    upstreamReq.on("error", (err) => {
      if (answered) {
        // The role answered and then closed its side (e.g. a 413 before reading the body): let the
        // answer finish streaming; stop feeding it the rest of the request.
        req.unpipe();
        return;
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (res.destroyed) return; // the client is gone: nobody to answer
      res.setHeader("Retry-After", "5");
      next(
        new AppError(
          "service_unavailable",
          `The ${upstream.area} service is not reachable right now; try again shortly.`,
          { cause: err },
        ),
      );
    });

    // The client left (closed the tab, aborted the SSE, cancelled an upload): stop the role's work.
    res.on("close", () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.on("aborted", () => upstreamReq.destroy());

    if (req.method === "GET" || req.method === "HEAD") {
      upstreamReq.end();
    } else if (!limit) {
      req.pipe(upstreamReq);
    } else {
      let seen = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          seen += chunk.length;
          if (seen > limit.bytes) callback(tooLarge());
          else callback(null, chunk);
        },
      });
      counter.on("error", (err) => {
        answered = true; // the gateway answers; the upstream's reaction no longer matters
        req.unpipe(counter);
        upstreamReq.destroy();
        if (!res.headersSent) next(err);
        else res.destroy();
      });
      req.pipe(counter).pipe(upstreamReq);
    }
  };
}
