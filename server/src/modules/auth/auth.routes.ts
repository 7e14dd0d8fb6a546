import { notFound, nowIso, type Repositories } from "@academic-assist/core";
import type { RequestHandler, Router } from "express";
import type passport from "passport";
import { toApiTokenDto, toUserDto } from "../../http/dto.ts";
import { register } from "../../http/endpoint.ts";
import { RateLimiter } from "../../http/rate-limit.ts";
import { authenticateLocal } from "./auth.middleware.ts";
import type { AuthService } from "./auth.service.ts";

export function authRoutes(
  router: Router,
  deps: {
    auth: AuthService;
    repos: Repositories;
    passport: passport.PassportStatic;
    requireAuth: RequestHandler;
  },
): void {
  const { auth, repos } = deps;
  const m = { auth: deps.requireAuth };
  const loginLimiter = new RateLimiter(10, 60_000);

  register(router, "auth.register", m, async ({ body }) => {
    const user = await auth.register(body);
    const session = auth.issueJwt(user);
    return { status: 201, body: { ...session, tokenType: "Bearer", user: toUserDto(user) } };
  });

  register(router, "auth.login", m, async ({ body, req, res }) => {
    const key = `${req.ip ?? "?"}|${body.email.toLowerCase()}`;
    try {
      loginLimiter.hit(key);
    } catch (e) {
      res.setHeader("Retry-After", String(loginLimiter.retryAfterSeconds(key)));
      throw e;
    }
    const user = await authenticateLocal(deps.passport, req, res);
    const session = auth.issueJwt(user);
    return { status: 200, body: { ...session, tokenType: "Bearer", user: toUserDto(user) } };
  });

  register(router, "auth.me", m, async ({ user }) => {
    const record = await repos.users.findById(user.id);
    if (!record) throw notFound("user", user.id);
    return { status: 200, body: toUserDto(record) };
  });

  register(router, "tokens.create", m, async ({ user, body }) => {
    const { record, secret } = await auth.createApiToken(user.id, body);
    return { status: 201, body: { ...toApiTokenDto(record), token: secret } };
  });

  register(router, "tokens.list", m, async ({ user }) => {
    const tokens = await repos.tokens.listByUser(user.id);
    return { status: 200, body: { items: tokens.map(toApiTokenDto) } };
  });

  register(router, "tokens.revoke", m, async ({ user, params }) => {
    const revoked = await repos.tokens.revoke(user.id, params.tokenId, nowIso());
    if (!revoked) throw notFound("API token", params.tokenId);
    return { status: 204 };
  });
}
