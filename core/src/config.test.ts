import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseCoreConfig } from "./config.ts";

const problems = (env: Record<string, string>): string => {
  try {
    parseCoreConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return "";
};

describe("production store configuration", () => {
  it("when every production store is configured, then the config is accepted with their settings", () => {
    const config = parseCoreConfig({
      MONGODB_URL: "mongodb+srv://user:pw@cluster0.example.net/aa",
      REDIS_HOST: "redis",
      REDIS_PORT: "6380",
      ELASTICSEARCH_URL: "http://elasticsearch:9200",
      S3_BUCKET_NAME: "papers",
      S3_REGION: "eu-west-1",
      S3_ENDPOINT: "http://s3:9000",
    });

    expect(config.REDIS_PORT).toBe(6380);
    expect(config.S3_SSE).toBe("AES256");
    expect(config.REDIS_EVICTION_POLICY_CHECK).toBe("refuse");
  });

  it("when store settings contradict each other or are incomplete, then boot fails listing each problem and no secret", () => {
    const listed = problems({
      MONGODB_URL: "postgres://admin:hunter2@db/x",
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_HOST: "redis",
      ELASTICSEARCH_URL: "http://es:9200",
      OPENSEARCH_URL: "search.example.com",
      S3_BUCKET_NAME: "papers",
      AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
    });

    expect(listed).toMatch(/MONGODB_URL: must start with mongodb/);
    expect(listed).toMatch(/REDIS_URL: set REDIS_URL or REDIS_HOST, not both/);
    expect(listed).toMatch(/ELASTICSEARCH_URL: set ELASTICSEARCH_URL or OPENSEARCH_URL, not both/);
    expect(listed).toMatch(/OPENSEARCH_URL: must be an http/);
    expect(listed).toMatch(/S3_REGION: required with S3_BUCKET_NAME/);
    expect(listed).toMatch(/AWS_SECRET_ACCESS_KEY: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY together/);
    expect(listed).not.toContain("hunter2");
    expect(listed).not.toContain("AKIAEXAMPLE");
  });

  it("when an S3 endpoint is given without a bucket, then boot fails naming S3_BUCKET_NAME", () => {
    expect(problems({ S3_ENDPOINT: "http://127.0.0.1:9000" })).toMatch(/S3_BUCKET_NAME: required/);
  });
});

describe("OCR language data", () => {
  it("when OCR_LANGUAGE_DATA names a folder without jpn data, then boot fails naming the missing language; with both files it is accepted as an absolute path", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "aa-ocr-config-"));
    try {
      writeFileSync(path.join(dir, "eng.traineddata"), "x");
      const missing = problems({ OCR_LANGUAGE_DATA: dir });
      writeFileSync(path.join(dir, "jpn.traineddata.gz"), "x");
      const relative = path.relative(process.cwd(), dir);

      expect(missing).toMatch(/OCR_LANGUAGE_DATA: no jpn\.traineddata/);
      expect(missing).not.toMatch(/no eng\.traineddata/);
      expect(parseCoreConfig({ OCR_LANGUAGE_DATA: relative }).OCR_LANGUAGE_DATA).toBe(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
