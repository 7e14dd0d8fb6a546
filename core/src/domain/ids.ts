import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * A new identifier: a type prefix, the time (so ids sort by creation) and 80 random bits.
 * Example: `doc_0m3x9k2a1b_7h3k9d0s2m4q1w8e`.
 */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(10, "0");
  const bytes = randomBytes(16);
  let rand = "";
  for (let i = 0; i < 16; i++) rand += ALPHABET.charAt(bytes[i]! % 36);
  return `${prefix}_${time}${rand}`;
}

export const nowIso = (): string => new Date().toISOString();
