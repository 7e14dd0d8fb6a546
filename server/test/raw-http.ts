import { readdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/**
 * HTTP on a raw socket, for the faults fetch cannot make: a body cut before its end, a client
 * that hangs up mid-upload, a multipart form without its closing boundary.
 */

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A `multipart/form-data` body with one `file` part; `filename` is sent as raw UTF-8 (as browsers
 * do), or percent-encoded as RFC 5987 `filename*=UTF-8''…` with `extended`.
 */
export function multipartForm(
  bytes: Buffer,
  filename: string,
  options: { extended?: boolean } = {},
): { contentType: string; head: Buffer; file: Buffer; tail: Buffer; whole: Buffer } {
  const boundary = "----aa-test-boundary-7d9f";
  const name = options.extended
    ? `filename*=UTF-8''${encodeURIComponent(filename)}`
    : `filename="${filename}"`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; ${name}\r\n` +
      `Content-Type: application/pdf\r\n\r\n`,
    "utf8",
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    head,
    file: bytes,
    tail,
    whole: Buffer.concat([head, bytes, tail]),
  };
}

/** The request line and headers of a POST, ending with the blank line. */
export function requestHead(
  pathname: string,
  headers: Record<string, string | number>,
  method = "POST",
): string {
  const lines = Object.entries({ host: "127.0.0.1", ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${pathname} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
}

function parseAnswer(raw: Buffer): RawAnswer | null {
  const end = raw.indexOf("\r\n\r\n");
  if (end === -1) return null;
  const [statusLine = "", ...lines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = raw.subarray(end + 4);
  const length = headers["content-length"];
  if (length !== undefined && body.length < Number(length)) return null;
  return { status: Number(statusLine.split(" ")[1]), headers, body: body.toString("utf8") };
}

/**
 * Sends `parts` (written one after another) and reads one answer with a Content-Length body.
 * Rejects when the server closes the connection without an answer, or after `timeoutMs`.
 */
export function sendRaw(url: string, parts: (string | Buffer)[], timeoutMs = 10_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`no answer within ${timeoutMs} ms; got: ${received.toString("latin1").slice(0, 200)}`),
      );
    }, timeoutMs);
    socket.on("connect", () => {
      for (const part of parts) socket.write(part);
    });
    socket.on("data", (d: Buffer) => {
      received = Buffer.concat([received, d]);
      const answer = parseAnswer(received);
      if (answer) {
        clearTimeout(timer);
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on("error", () => undefined); // a reset after the answer is fine; no answer is reported below
    socket.on("close", () => {
      clearTimeout(timer);
      reject(
        new Error(`connection closed without an answer; got: ${received.toString("latin1").slice(0, 200)}`),
      );
    });
  });
}

/**
 * Sends `parts`, waits until `until()` is true (e.g. the server has started writing the upload),
 * then destroys the socket: a client that goes away mid-body.
 */
export async function sendAndHangUp(
  url: string,
  parts: (string | Buffer)[],
  until: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  socket.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  for (const part of parts) socket.write(part);
  await waitFor(until, timeoutMs, "the server to start reading the upload");
  socket.destroy();
}

/** Polls `check` every 20 ms until it is true; fails after `timeoutMs` naming `what`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every file and folder below `dir` (relative, `/`-separated), sorted; [] when `dir` is missing. */
export function entriesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join("/"))
      .sort();
  } catch {
    return [];
  }
}
