/// <reference types="node" />
/**
 * A real HTTP server on 127.0.0.1 (port 0) for SDK tests, speaking the API's wire format: JSON,
 * `application/problem+json` errors with `x-request-id`, and `text/event-stream`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface WireServer {
  /** The origin, e.g. `http://127.0.0.1:53127` (what the SDK takes as `baseURL`). */
  url: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

export async function startWireServer(handler: Handler): Promise<WireServer> {
  const requests: RecordedRequest[] = [];
  let seq = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      res.setHeader("x-request-id", `req_${++seq}`);
      Promise.resolve(handler(recorded, res)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(599);
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export function problem(
  res: ServerResponse,
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/problem+json", ...headers });
  const requestId = res.getHeader("x-request-id");
  res.end(
    JSON.stringify({
      type: `https://academic-assist.dev/problems/${code.replaceAll("_", "-")}`,
      title: code,
      status,
      detail,
      code,
      requestId,
      ...extra,
    }),
  );
}

/** A free port nobody listens on (for connection-refused tests). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
