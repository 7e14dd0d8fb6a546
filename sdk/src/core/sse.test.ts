import { describe, expect, it } from "vitest";
import { readSSE, SSEDecoder, type SSEItem } from "./sse.ts";

function messages(items: SSEItem[]) {
  return items.flatMap((i) =>
    i.kind === "message" ? [{ event: i.event, data: i.data, id: i.lastEventId }] : [],
  );
}

describe("SSEDecoder", () => {
  it("when a frame arrives split at every character, including between CR and LF, then it parses the same", () => {
    const text =
      "id: 1\r\nevent: job.progress\r\ndata: a\r\ndata: b\r\n\r\n: keepalive\r\n\r\nid: 2\ndata:c\n\n";
    const decoder = new SSEDecoder();

    const items = Array.from(text).flatMap((ch) => decoder.feed(ch));

    expect(messages(items)).toEqual([
      { event: "job.progress", data: "a\nb", id: "1" },
      { event: "message", data: "c", id: "2" },
    ]);
    expect(items.filter((i) => i.kind === "comment")).toEqual([{ kind: "comment", text: "keepalive" }]);
  });

  it("when an id comes without data, then no event fires but the last event id advances", () => {
    const decoder = new SSEDecoder("5");

    const items = decoder.feed("id: 6\n\nretry: 2500\nretry: soon\n\n");

    expect(messages(items)).toEqual([]);
    expect(decoder.lastEventId).toBe("6");
    expect(items).toEqual([{ kind: "retry", ms: 2500 }]);
  });

  it("when the stream ends mid-event, then the partial event is dropped", () => {
    const decoder = new SSEDecoder();

    const items = [...decoder.feed("data: complete\n\ndata: partial\n"), ...decoder.end()];

    expect(messages(items).map((m) => m.data)).toEqual(["complete"]);
  });
});

describe("readSSE", () => {
  it("when a multi-byte character is split across chunks, then it is decoded intact", async () => {
    const bytes = new TextEncoder().encode("data: 日本語\n\n");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 8));
        controller.enqueue(bytes.slice(8));
        controller.close();
      },
    });

    const out: SSEItem[] = [];
    for await (const item of readSSE(body)) out.push(item);

    expect(messages(out).map((m) => m.data)).toEqual(["日本語"]);
  });
});
