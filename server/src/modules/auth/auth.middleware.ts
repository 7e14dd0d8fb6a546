import { AppError, unauthorized, type Repositories, type UserRecord } from "@academic-assist/core";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import passport from "passport";
import { ExtractJwt, Strategy as JwtStrategy } from "passport-jwt";
import { Strategy as LocalStrategy } from "passport-local";
import type { AuthUser } from "../../http/endpoint.ts";
import { forwardedIdentity } from "../../http/internal-identity.ts";
import { API_TOKEN_PREFIX, type AuthService } from "./auth.service.ts";

interface JwtPayload {
  sub?: string;
}

/**
 * passport with two strategies: `local` (email + password, for login) and `jwt` (session tokens).
 * Personal API tokens (`aa_…`) are checked directly against their hashes.
 */
export function configurePassport(auth: AuthService, repos: Repositories): passport.PassportStatic {
  const p = new passport.Passport() as unknown as passport.PassportStatic;
  p.use(
    new LocalStrategy(
      { usernameField: "email", passwordField: "password", session: false },
      (email, password, done) => {
        auth.verifyPassword(email, password).then(
          (user) => {
            done(null, user ?? false);
          },
          (err: unknown) => {
            done(err);
          },
        );
      },
    ),
  );
  p.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKey: auth.secret,
        issuer: auth.jwtOptions.issuer,
        audience: auth.jwtOptions.audience,
        algorithms: auth.jwtOptions.algorithms,
      },
      (payload: JwtPayload, done: (err: unknown, user?: UserRecord | false) => void) => {
        if (!payload.sub) {
          done(null, false);
          return;
        }
        repos.users.findById(payload.sub).then(
          (user) => {
            done(null, user ?? false);
          },
          (err: unknown) => {
            done(err);
          },
        );
      },
    ),
  );
  return p;
}

const toAuthUser = (u: UserRecord, via: AuthUser["via"], tokenId?: string): AuthUser => ({
  id: u.id,
  email: u.email,
  name: u.name,
  via,
  ...(tokenId ? { tokenId } : {}),
});

/**
 * Requires `Authorization: Bearer <jwt | api token>`, or a caller the gateway already verified
 * (its signed identity header, checked by `trustGateway`); 401 problem otherwise.
 */
export function requireAuth(p: passport.PassportStatic, auth: AuthService): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const forwarded = forwardedIdentity(req)?.user;
    if (forwarded) {
      req.user = forwarded;
      next();
      return;
    }
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      next(unauthorized());
      return;
    }
    const token = match[1];
    if (token.startsWith(API_TOKEN_PREFIX)) {
      auth.userForApiToken(token).then(({ user, tokenId }) => {
        req.user = toAuthUser(user, "api_token", tokenId);
        next();
      }, next);
      return;
    }
    const authenticate = p.authenticate(
      "jwt",
      { session: false },
      (err: unknown, user: UserRecord | false, info: unknown) => {
        if (err) {
          next(err);
          return;
        }
        if (!user) {
          const name = info instanceof Error ? info.name : "";
          next(
            name === "TokenExpiredError"
              ? new AppError("token_expired", "The session has expired; sign in again.")
              : unauthorized("The token is not valid."),
          );
          return;
        }
        req.user = toAuthUser(user, "jwt");
        next();
      },
    ) as RequestHandler;
    authenticate(req, res, next);
  };
}

/** Runs passport-local on an already-validated body; the user, or a 401 problem. */
export function authenticateLocal(
  p: passport.PassportStatic,
  req: Request,
  res: Response,
): Promise<UserRecord> {
  return new Promise((resolve, reject) => {
    const run = p.authenticate("local", { session: false }, (err: unknown, user: UserRecord | false) => {
      if (err) reject(err instanceof Error ? err : new Error("authentication failed"));
      else if (!user) reject(new AppError("invalid_credentials", "The email or password is wrong."));
      else resolve(user);
    }) as RequestHandler;
    run(req, res, (err?: unknown) => {
      reject(err instanceof Error ? err : new Error("passport-local ended without a result"));
    });
  });
}
