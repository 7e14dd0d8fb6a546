import { describe, expect, it } from "vitest";
import { redact } from "./redact.ts";

describe("redact", () => {
  it("when a log line contains a registered secret, a bearer credential or a token field, then they are hidden", () => {
    const line =
      'sent Authorization: Bearer eyJabc.def and {"token":"aa_secret123","password":"hunter22"} with aa_secret123';

    const out = redact(line, ["aa_secret123"]);

    expect(out).not.toContain("aa_secret123");
    expect(out).not.toContain("eyJabc");
    expect(out).not.toContain("hunter22");
    expect(out).toContain("Bearer [redacted]");
  });
});
