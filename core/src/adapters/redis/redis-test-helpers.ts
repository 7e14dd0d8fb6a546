import { Redis } from "ioredis";
import { randomBytes } from "node:crypto";

/** A key prefix no other test uses, so each test starts on empty storage in a shared Redis. */
export const freshPrefix = (what: string): string => `aa-test-${what}-${randomBytes(5).toString("hex")}`;

/** Deletes every key under `prefix` (the test's storage). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
