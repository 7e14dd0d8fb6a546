import { describe, expect, it } from "vitest";
import { statusText } from "./status-text.ts";

describe("status bar text", () => {
  it("when connected with jobs running, then it shows a spinner and the count", () => {
    expect(statusText("connected", 2)).toEqual({
      text: "$(library) Academic Assist $(sync~spin) 2",
      tooltip: "Connected — 2 jobs running",
    });
  });

  it("when signed out, offline or refused, then it says so", () => {
    expect(statusText("signedOut", 0).text).toBe("$(account) Academic Assist: sign in");
    expect(statusText("offline", 0).text).toBe("$(debug-disconnect) Academic Assist");
    expect(statusText("unauthorized", 0).tooltip).toMatch(/expired or was revoked/);
  });
});
