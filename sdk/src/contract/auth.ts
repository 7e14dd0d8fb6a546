import { z } from "zod";
import { Email, Id, Timestamp } from "./common.ts";

export const User = z
  .object({ id: Id, email: Email, name: z.string(), createdAt: Timestamp })
  .meta({ id: "User" });
export type User = z.infer<typeof User>;

export const LoginBody = z
  .object({ email: Email, password: z.string().min(1).max(1024) })
  .meta({ id: "LoginBody" });
export type LoginBody = z.infer<typeof LoginBody>;

export const RegisterBody = z
  .object({
    email: Email,
    password: z.string().min(10, "must be at least 10 characters").max(1024),
    name: z.string().trim().min(1).max(200),
  })
  .meta({ id: "RegisterBody" });
export type RegisterBody = z.infer<typeof RegisterBody>;

/** A short-lived JWT for interactive sessions. Plugins and the CLI use personal API tokens instead. */
export const Session = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().meta({ description: "seconds" }),
    user: User,
  })
  .meta({ id: "Session" });
export type Session = z.infer<typeof Session>;

/** A personal API token as listed: the secret itself is shown once, at creation. */
export const ApiToken = z
  .object({
    id: Id,
    name: z.string(),
    prefix: z.string().meta({ description: "first characters of the token, to recognise it" }),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    expiresAt: Timestamp.nullable(),
  })
  .meta({ id: "ApiToken" });
export type ApiToken = z.infer<typeof ApiToken>;

export const ApiTokenCreated = ApiToken.extend({
  token: z.string().meta({ description: "the secret; store it now, it is not shown again" }),
}).meta({ id: "ApiTokenCreated" });
export type ApiTokenCreated = z.infer<typeof ApiTokenCreated>;

export const ApiTokenCreateBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .meta({ id: "ApiTokenCreateBody" });
export type ApiTokenCreateParams = z.infer<typeof ApiTokenCreateBody>;

export const TokenIdParams = z.object({ tokenId: Id });
