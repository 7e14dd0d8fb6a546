import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startApi, TEST_SECRET, type TestApi } from "../../../test/harness.ts";

describe("auth", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it("when a user registers and logs in, then the session token identifies them", async () => {
    await api.call("POST", "/api/v1/auth/register", {
      json: { email: "Ada@Example.org", password: "correct horse battery", name: "Ada" },
    });

    const login = await api.call("POST", "/api/v1/auth/login", {
      json: { email: "ada@example.org", password: "correct horse battery" },
    });
    const session = await json(login);
    const me = await json(await api.call("GET", "/api/v1/auth/me", { token: session.accessToken }));

    expect(login.status).toBe(200);
    expect(session.tokenType).toBe("Bearer");
    expect(me.email).toBe("ada@example.org");
  });

  it("when the email is already registered (any case), then 409 email_taken", async () => {
    await api.signUp("dup@example.org");

    const res = await api.call("POST", "/api/v1/auth/register", {
      json: { email: "DUP@example.org", password: "correct horse battery", name: "X" },
    });

    expect(res.status).toBe(409);
    expect((await json(res)).code).toBe("email_taken");
  });

  it("when the password is wrong or the email unknown, then the same 401 invalid_credentials", async () => {
    await api.signUp("grace@example.org");

    const wrong = await api.call("POST", "/api/v1/auth/login", {
      json: { email: "grace@example.org", password: "nope nope nope" },
    });
    const unknown = await api.call("POST", "/api/v1/auth/login", {
      json: { email: "nobody@example.org", password: "nope nope nope" },
    });

    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect((await json(wrong)).code).toBe("invalid_credentials");
    expect((await json(unknown)).code).toBe("invalid_credentials");
  });

  it("when no token, a forged token or an expired token is sent, then 401 problem+json", async () => {
    const { userId } = await api.signUp();
    const forged = jwt.sign({}, "another-secret-another-secret-another-secret", {
      subject: userId,
      issuer: "academic-assist",
      audience: "academic-assist-api",
      expiresIn: 600,
    });
    const expired = jwt.sign({ exp: Math.floor(Date.now() / 1000) - 60 }, TEST_SECRET, {
      subject: userId,
      issuer: "academic-assist",
      audience: "academic-assist-api",
    });

    const none = await api.call("GET", "/api/v1/projects");
    const bad = await api.call("GET", "/api/v1/projects", { token: forged });
    const old = await api.call("GET", "/api/v1/projects", { token: expired });
    const garbage = await api.call("GET", "/api/v1/projects", { token: "aa_not-a-real-token" });

    for (const res of [none, bad, old, garbage]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect((await json(none)).code).toBe("unauthorized");
    expect((await json(bad)).code).toBe("unauthorized");
    expect((await json(old)).code).toBe("token_expired");
  });

  it("when an API token is created, then it works, is listed without its secret, and stops working once revoked", async () => {
    const { token } = await api.signUp();
    const created = await json(
      await api.call("POST", "/api/v1/auth/tokens", { token, json: { name: "laptop" } }),
    );

    const withApiToken = await api.call("GET", "/api/v1/auth/me", { token: created.token });
    const listed = await json(await api.call("GET", "/api/v1/auth/tokens", { token }));
    const revoke = await api.call("DELETE", `/api/v1/auth/tokens/${created.id}`, { token });
    const afterRevoke = await api.call("GET", "/api/v1/auth/me", { token: created.token });

    expect(created.token).toMatch(/^aa_/);
    expect(withApiToken.status).toBe(200);
    expect(listed.items).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(revoke.status).toBe(204);
    expect(afterRevoke.status).toBe(401);
  });

  it("when someone revokes another user's token id, then 404 and the token keeps working", async () => {
    const alice = await api.signUp();
    const bob = await api.signUp();
    const created = await json(
      await api.call("POST", "/api/v1/auth/tokens", { token: alice.token, json: { name: "cli" } }),
    );

    const res = await api.call("DELETE", `/api/v1/auth/tokens/${created.id}`, { token: bob.token });

    expect(res.status).toBe(404);
    expect((await api.call("GET", "/api/v1/auth/me", { token: created.token })).status).toBe(200);
  });

  it("when a login is attempted too often, then 429 with Retry-After", async () => {
    await api.signUp("brute@example.org");
    let last: Response | undefined;
    for (let i = 0; i < 12; i++) {
      last = await api.call("POST", "/api/v1/auth/login", {
        json: { email: "brute@example.org", password: `guess-${i}-guess` },
      });
    }

    expect(last!.status).toBe(429);
    expect(last!.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
