import { describe, expect, it } from "vitest";
import { parseConfig } from "./settings.ts";

describe("parseConfig", () => {
  it("when nothing is set, then the documented defaults apply", () => {
    expect(parseConfig({}).config).toEqual({
      serverUrl: "http://127.0.0.1:8000",
      notesFolder: "notes",
      defaultTemplate: null,
      noteLanguage: null,
      openAfterGenerate: true,
    });
  });

  it("when the server URL has a trailing slash or /api/v1, then it is reduced to the origin", () => {
    expect(parseConfig({ serverUrl: "https://assist.example.org/api/v1/" }).config.serverUrl).toBe(
      "https://assist.example.org",
    );
  });

  it("when the server URL is not http(s), then the default is used and the problem is reported", () => {
    const { config, problems } = parseConfig({ serverUrl: "file:///etc/passwd" });

    expect(config.serverUrl).toBe("http://127.0.0.1:8000");
    expect(problems[0]).toMatch(/not an http\(s\) URL/);
  });

  it("when values are odd, then they are normalised", () => {
    const { config } = parseConfig({
      notesFolder: ".\\research\\notes\\",
      noteLanguage: "ja",
      openAfterGenerate: false,
      defaultTemplate: " summary ",
    });

    expect(config).toMatchObject({
      notesFolder: "research/notes",
      noteLanguage: "ja",
      openAfterGenerate: false,
      defaultTemplate: "summary",
    });
  });
});
