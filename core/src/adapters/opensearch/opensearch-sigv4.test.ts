import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { OpenSearchSearchIndex } from "./opensearch-search-index.ts";

// Amazon OpenSearch Service with IAM access cannot be reached from here: a local HTTP server stands
// in for the domain and records what the real client sends.
describe("OpenSearch request signing (local server standing in for Amazon OpenSearch Service)", () => {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  afterEach(() => {
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  async function firstRequestHeaders(awsSigv4?: { region: string }): Promise<IncomingHttpHeaders> {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    const index = new OpenSearchSearchIndex({ url: `http://127.0.0.1:${port}`, awsSigv4 });
    try {
      await index.ping();
    } finally {
      await index.close();
      await new Promise((r) => server.close(r));
    }
    expect(seen.length).toBeGreaterThan(0);
    return seen[0]!;
  }

  it("when a region is configured, then every request carries a SigV4 signature for the es service from the default credentials", async () => {
    process.env.AWS_ACCESS_KEY_ID = "AKIDEXAMPLE";
    process.env.AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    const headers = await firstRequestHeaders({ region: "ap-northeast-1" });

    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-northeast-1\/es\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it("when no region is configured, then requests go unsigned", async () => {
    const headers = await firstRequestHeaders();

    expect(headers.authorization).toBeUndefined();
  });
});
