import { z } from "zod";
import { Id, Language, PageParams, Timestamp } from "./common.ts";

export const Role = z.enum(["owner", "editor", "viewer"]);
export type Role = z.infer<typeof Role>;

export const Project = z
  .object({
    id: Id,
    name: z.string(),
    description: z.string(),
    /** Languages OCR and notes default to for this project's documents. */
    language: Language,
    /** The caller's role in this project. */
    role: Role,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Project" });
export type Project = z.infer<typeof Project>;

export const ProjectCreateBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(5000).default(""),
    language: Language.default("en"),
  })
  .meta({ id: "ProjectCreateBody" });
export type ProjectCreateParams = z.input<typeof ProjectCreateBody>;

export const ProjectUpdateBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(5000).optional(),
    language: Language.optional(),
  })
  .meta({ id: "ProjectUpdateBody" });
export type ProjectUpdateParams = z.infer<typeof ProjectUpdateBody>;

export const ProjectIdParams = z.object({ projectId: Id });
export const ProjectListQuery = PageParams;
export type ProjectListParams = z.input<typeof ProjectListQuery>;

export const Member = z
  .object({ userId: Id, email: z.email(), name: z.string(), role: Role, addedAt: Timestamp })
  .meta({ id: "Member" });
export type Member = z.infer<typeof Member>;

export const MemberAddBody = z
  .object({ email: z.email().max(254), role: Role.exclude(["owner"]).default("viewer") })
  .meta({ id: "MemberAddBody" });
export type MemberAddParams = z.input<typeof MemberAddBody>;

export const MemberUpdateBody = z.object({ role: Role }).meta({ id: "MemberUpdateBody" });
export const MemberIdParams = z.object({ projectId: Id, userId: Id });
