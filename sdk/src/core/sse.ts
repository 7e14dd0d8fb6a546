/** One item read from a `text/event-stream` (https://html.spec.whatwg.org/#event-stream-interpretation). */
export type SSEItem =
  | {
      kind: "message";
      /** The `event:` field, `message` when absent. */
      event: string;
      /** The `data:` lines joined with `\n`. */
      data: string;
      /** The last event id seen so far (the stream's, not only this message's). */
      lastEventId: string | undefined;
    }
  | { kind: "comment"; text: string }
  | { kind: "retry"; ms: number };

/** An incremental SSE parser: feed it decoded text in chunks of any size. */
export class SSEDecoder {
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #lastEventId: string | undefined;

  constructor(lastEventId?: string) {
    this.#lastEventId = lastEventId;
  }

  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** Parses every complete line in `chunk` (plus what earlier chunks left over). */
  feed(chunk: string): SSEItem[] {
    const buf = this.#buffer + chunk;
    const out: SSEItem[] = [];
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i];
      if (c !== "\n" && c !== "\r") continue;
      // A CR at the end of a chunk may be the first half of CRLF: wait for the next chunk.
      if (c === "\r" && i === buf.length - 1) break;
      const line = buf.slice(start, i);
      if (c === "\r" && buf[i + 1] === "\n") i++;
      start = i + 1;
      const item = this.#line(line);
      if (item) out.push(item);
    }
    this.#buffer = buf.slice(start);
    return out;
  }

  /** Call at end of stream; per the spec, an event without its blank line is dropped. */
  end(): SSEItem[] {
    const out = this.#buffer.endsWith("\r") ? this.feed("\n") : [];
    this.#buffer = "";
    this.#data = [];
    this.#event = "";
    return out;
  }

  #line(line: string): SSEItem | null {
    if (line === "") {
      const data = this.#data;
      const event = this.#event || "message";
      this.#data = [];
      this.#event = "";
      if (data.length === 0) return null;
      return { kind: "message", event, data: data.join("\n"), lastEventId: this.#lastEventId };
    }
    if (line.startsWith(":")) return { kind: "comment", text: line.slice(1).trimStart() };
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.#event = value;
        break;
      case "data":
        this.#data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.#lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) return { kind: "retry", ms: Number(value) };
        break;
      default:
        break;
    }
    return null;
  }
}

/** The stream sent nothing, not even a keepalive comment, for longer than the idle timeout. */
export class SSEIdleError extends Error {
  override name = "SSEIdleError";
}

/**
 * Reads an SSE body to its end. With `idleTimeout`, a silent connection (a half-open socket, a
 * proxy that swallowed the close) ends with `SSEIdleError` instead of hanging forever.
 * Breaking out of the loop cancels the body.
 */
export async function* readSSE(
  body: ReadableStream<Uint8Array>,
  options: { lastEventId?: string | undefined; idleTimeout?: number | undefined } = {},
): AsyncGenerator<SSEItem> {
  const reader = body.getReader();
  const text = new TextDecoder();
  const sse = new SSEDecoder(options.lastEventId);
  try {
    for (;;) {
      const { done, value } = await readWithin(reader, options.idleTimeout);
      if (done) {
        yield* sse.feed(text.decode());
        yield* sse.end();
        return;
      }
      yield* sse.feed(text.decode(value, { stream: true }));
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

function readWithin<T>(
  reader: ReadableStreamDefaultReader<T>,
  ms: number | undefined,
): Promise<ReadableStreamReadResult<T>> {
  if (ms === undefined || ms <= 0) return reader.read();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new SSEIdleError(`No data for ${ms} ms`));
    }, ms);
  });
  return Promise.race([reader.read(), idle]).finally(() => {
    clearTimeout(timer);
  });
}
