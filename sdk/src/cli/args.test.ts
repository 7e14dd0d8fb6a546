import { describe, expect, it } from "vitest";
import { parseCommand, UsageError } from "./args.ts";

describe("parseCommand", () => {
  it("when note is given only a file, then the defaults apply", () => {
    expect(parseCommand(["note", "paper.pdf"])).toEqual({
      name: "note",
      file: "paper.pdf",
      out: "notes",
      template: "summary",
      language: undefined,
      project: undefined,
      global: { url: undefined, apiKey: undefined },
    });
  });

  it("when note gets every option, then each is read, connection flags included", () => {
    const cmd = parseCommand([
      "note",
      "p.pdf",
      "--out",
      "vault/Papers",
      "--template",
      "literature-note",
      "--language",
      "ja",
      "--project",
      "prj_9",
      "--url",
      "http://h:1",
      "--api-key",
      "aa_k",
    ]);

    expect(cmd).toMatchObject({
      out: "vault/Papers",
      template: "literature-note",
      language: "ja",
      project: "prj_9",
      global: { url: "http://h:1", apiKey: "aa_k" },
    });
  });

  it("when note has no file, two files, a bad language or an unknown flag, then it is a usage error", () => {
    expect(() => parseCommand(["note"])).toThrow(UsageError);
    expect(() => parseCommand(["note", "a.pdf", "b.pdf"])).toThrow(UsageError);
    expect(() => parseCommand(["note", "a.pdf", "--language", "fr"])).toThrow(/en or ja/);
    expect(() => parseCommand(["note", "a.pdf", "--force"])).toThrow(UsageError);
    expect(() => parseCommand(["note", "a.pdf", "--template", "../x"])).toThrow(UsageError);
  });

  it("when search gets a query with options, then they are parsed", () => {
    expect(
      parseCommand(["search", "attention is all", "--limit", "5", "--json", "--project", "prj_1"]),
    ).toMatchObject({
      name: "search",
      query: "attention is all",
      limit: 5,
      json: true,
      project: "prj_1",
    });
  });

  it("when search has no query or a bad limit, then it is a usage error", () => {
    expect(() => parseCommand(["search"])).toThrow(UsageError);
    expect(() => parseCommand(["search", "x", "--limit", "0"])).toThrow(/1 to 50/);
    expect(() => parseCommand(["search", "x", "--limit", "abc"])).toThrow(UsageError);
  });

  it("when the command is unknown or missing, then it is a usage error; --help is not", () => {
    expect(() => parseCommand(["frobnicate"])).toThrow(/Unknown command/);
    expect(() => parseCommand([])).toThrow(UsageError);
    expect(parseCommand(["--help"])).toEqual({ name: "help", topic: undefined });
    expect(parseCommand(["note", "--help"])).toEqual({ name: "help", topic: "note" });
  });

  it("when login and whoami are given, then they parse", () => {
    expect(parseCommand(["login", "--url", "http://h", "--email", "a@b.c"])).toMatchObject({
      name: "login",
      email: "a@b.c",
      global: { url: "http://h" },
    });
    expect(parseCommand(["whoami"])).toMatchObject({ name: "whoami" });
  });
});
