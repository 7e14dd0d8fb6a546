import type { AcademicAssist } from "@academic-assist/sdk";

/** What `client.notes.estimate` answers (the SDK does not export the type by name). */
export type NoteEstimate = Awaited<ReturnType<AcademicAssist["notes"]["estimate"]>>;

/**
 * The confirmation to show before generating a note, or null when none is needed: the offline
 * extractive generator and unknown prices (`costUsd` null), free runs, and cached notes (served from
 * the cache at no cost) go ahead without asking.
 */
export function costPrompt(estimate: NoteEstimate): string | null {
  const { costUsd, cached } = estimate;
  if (cached || typeof costUsd !== "number" || !(costUsd > 0)) return null;
  return (
    `Generating this note with ${estimate.provider}/${estimate.model} will use about ` +
    `${estimate.inputTokens} input and up to ${estimate.outputTokens} output tokens ` +
    `(≈ $${costUsd.toFixed(4)}). Generate?`
  );
}
