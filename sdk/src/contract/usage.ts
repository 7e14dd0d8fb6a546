import { z } from "zod";
import { Id } from "./common.ts";

export const UsageQuery = z.object({
  /** Also report this project's usage by all its members (you must be a member). */
  projectId: Id.optional(),
  /** UTC calendar month; default the current one. */
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be a month such as 2025-06")
    .optional(),
});
export type UsageParams = z.input<typeof UsageQuery>;

/** Sums of recorded LLM usage (one row per generated note; cached copies cost nothing). */
export const UsageTotals = z
  .object({
    notes: z.number().int().nonnegative(),
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    /** USD; notes whose model price is unknown count 0 here and are counted in `unpriced`. */
    costUsd: z.number().nonnegative(),
    unpriced: z.number().int().nonnegative(),
  })
  .meta({ id: "UsageTotals" });
export type UsageTotals = z.infer<typeof UsageTotals>;

export const UsageReport = z
  .object({
    month: z.string(),
    /** Your usage this month, every project (or only `projectId` when given). */
    user: UsageTotals,
    /** Your usage this month per project. */
    byProject: z.array(UsageTotals.extend({ projectId: Id })),
    /** With `projectId`: the project's usage by all members. */
    project: UsageTotals.extend({ projectId: Id }).nullable(),
    /** LLM_MONTHLY_BUDGET_USD when set, else null. */
    budgetUsd: z.number().nonnegative().nullable(),
  })
  .meta({ id: "UsageReport" });
export type UsageReport = z.infer<typeof UsageReport>;
