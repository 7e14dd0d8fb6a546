import { createHash, randomBytes } from "node:crypto";
import {
  AppError,
  newId,
  nowIso,
  unauthorized,
  type Repositories,
  type UserRecord,
} from "@academic-assist/core";
import { Email, type ApiTokenCreateParams, type RegisterBody } from "@academic-assist/sdk/contract";
import argon2 from "argon2";
import jwt from "jsonwebtoken";

export const API_TOKEN_PREFIX = "aa_";
const JWT_ISSUER = "academic-assist";
const JWT_AUDIENCE = "academic-assist-api";

export const sha256Hex = (s: string): string => createHash("sha256").update(s).digest("hex");

/** Accounts, passwords (argon2id), session JWTs and personal API tokens (sha256 at rest). */
export class AuthService {
  /** Verified against when the email is unknown, so a miss costs as much time as a wrong password. */
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly repos: Repositories,
    private readonly options: { secret: string; jwtTtlS: number; allowRegistration: boolean },
  ) {}

  readonly jwtOptions = { issuer: JWT_ISSUER, audience: JWT_AUDIENCE, algorithms: ["HS256" as const] };
  get secret(): string {
    return this.options.secret;
  }

  async register(input: RegisterBody): Promise<UserRecord> {
    if (!this.options.allowRegistration) {
      throw new AppError(
        "forbidden",
        "Registration is closed on this server; ask an administrator for an account.",
      );
    }
    return this.createUser(input.email, input.name, input.password);
  }

  async createUser(email: string, name: string, password: string | null): Promise<UserRecord> {
    // Every way to an account comes through here: what the contract's Email refuses is never stored,
    // so every stored address is one the contract can answer with (RFC 5321 lengths).
    const valid = Email.safeParse(email.toLowerCase());
    if (!valid.success) {
      const message = valid.error.issues[0]?.message ?? "must be an email address";
      throw new AppError("validation_failed", `email: ${message}`, {
        fieldErrors: [{ path: "body.email", message }],
      });
    }
    const passwordHash = password === null ? null : await argon2.hash(password, { type: argon2.argon2id });
    return this.repos.users.create({
      id: newId("usr"),
      email: valid.data,
      name,
      passwordHash,
      createdAt: nowIso(),
    });
  }

  /** The user for this email and password, or null (same cost whether or not the email exists). */
  async verifyPassword(email: string, password: string): Promise<UserRecord | null> {
    const user = await this.repos.users.findByEmail(email);
    if (!user?.passwordHash) {
      this.dummyHash ??= argon2.hash("not-a-real-password", { type: argon2.argon2id });
      await argon2.verify(await this.dummyHash, password).catch(() => false);
      return null;
    }
    return (await argon2.verify(user.passwordHash, password)) ? user : null;
  }

  issueJwt(user: UserRecord): { accessToken: string; expiresIn: number } {
    const accessToken = jwt.sign({ email: user.email }, this.options.secret, {
      subject: user.id,
      expiresIn: this.options.jwtTtlS,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      algorithm: "HS256",
    });
    return { accessToken, expiresIn: this.options.jwtTtlS };
  }

  async createApiToken(userId: string, params: ApiTokenCreateParams) {
    const secret = `${API_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
    const createdAt = nowIso();
    const record = await this.repos.tokens.create({
      id: newId("tok"),
      userId,
      name: params.name,
      prefix: secret.slice(0, 10),
      tokenHash: sha256Hex(secret),
      createdAt,
      lastUsedAt: null,
      expiresAt: params.expiresInDays
        ? new Date(Date.now() + params.expiresInDays * 86_400_000).toISOString()
        : null,
      revokedAt: null,
    });
    return { record, secret };
  }

  /** The user behind a personal API token; 401 when unknown, revoked or expired. */
  async userForApiToken(secret: string): Promise<{ user: UserRecord; tokenId: string }> {
    const token = await this.repos.tokens.findByHash(sha256Hex(secret));
    if (!token) throw unauthorized("The API token is not valid (unknown or revoked).");
    if (token.expiresAt && Date.parse(token.expiresAt) <= Date.now()) {
      throw new AppError("token_expired", "The API token has expired; create a new one.");
    }
    const user = await this.repos.users.findById(token.userId);
    if (!user) throw unauthorized("The API token's user no longer exists.");
    await this.repos.tokens.touch(token.id, nowIso());
    return { user, tokenId: token.id };
  }
}
