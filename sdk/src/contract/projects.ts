import { z } from "zod";
import { Email, Id, Language, PageParams, Timestamp } from "./common.ts";

export const Role = z.enum(["owner", "editor", "viewer"]);
export type Role = z.infer<typeof Role>;

/** The LLM providers a deployment can offer (`LLM_PROVIDER`, or a project's own choice). */
export const LlmProviderName = z.enum(["extractive", "anthropic", "openai", "openai-compatible"]);
export type LlmProviderName = z.infer<typeof LlmProviderName>;

/**
 * A project's own choice of LLM provider and model, overriding the deployment's `LLM_PROVIDER`.
 * Keys and base URLs stay server configuration: only providers the server has them for are accepted.
 */
export const ProjectLlm = z
  .object({
    provider: LlmProviderName,
    /** The model id; default: the server's (`ANTHROPIC_MODEL`, `OPENAI_MODEL`). Not for `extractive`. */
    model: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/,
        "a model id: letters, digits and . _ : / @ + - (e.g. claude-sonnet-4-6, llama3.1:8b)",
      )
      .optional(),
  })
  .refine((v) => !(v.provider === "extractive" && v.model !== undefined), {
    error: "the extractive provider has no model to choose",
    path: ["model"],
  })
  .meta({ id: "ProjectLlm" });
export type ProjectLlm = z.infer<typeof ProjectLlm>;

export const Project = z
  .object({
    id: Id,
    name: z.string(),
    description: z.string(),
    /** Languages OCR and notes default to for this project's documents. */
    language: Language,
    /**
     * The project's LLM provider and model; null = the server's default (`LLM_PROVIDER`). Servers
     * older than the setting leave it out, which reads as null.
     */
    llm: ProjectLlm.nullable().default(null),
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
    /** Overrides the server's default LLM provider for this project; null or absent = the default. */
    llm: ProjectLlm.nullable().default(null),
  })
  .meta({ id: "ProjectCreateBody" });
export type ProjectCreateParams = z.input<typeof ProjectCreateBody>;

export const ProjectUpdateBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(5000).optional(),
    language: Language.optional(),
    /** Owner only. A provider and model for this project's notes and answers; null = back to the server's default. */
    llm: ProjectLlm.nullable().optional(),
  })
  .meta({ id: "ProjectUpdateBody" });
export type ProjectUpdateParams = z.infer<typeof ProjectUpdateBody>;

export const ProjectIdParams = z.object({ projectId: Id });
export const ProjectListQuery = PageParams;
export type ProjectListParams = z.input<typeof ProjectListQuery>;

export const Member = z
  .object({ userId: Id, email: Email, name: z.string(), role: Role, addedAt: Timestamp })
  .meta({ id: "Member" });
export type Member = z.infer<typeof Member>;

export const MemberAddBody = z
  .object({ email: Email, role: Role.exclude(["owner"]).default("viewer") })
  .meta({ id: "MemberAddBody" });
export type MemberAddParams = z.input<typeof MemberAddBody>;

export const MemberUpdateBody = z.object({ role: Role }).meta({ id: "MemberUpdateBody" });
export const MemberIdParams = z.object({ projectId: Id, userId: Id });
