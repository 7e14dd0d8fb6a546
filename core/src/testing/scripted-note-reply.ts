import { splitSentences } from "../extraction/sentences.ts";
import { normalizeForVerification } from "../notes/verify.ts";
import type { FakeLlmRequest } from "./fake-llm-server.ts";

/**
 * A scripted model for map calls of the LLM note generator: reads the sections (`s1 — …`) from the
 * system prompt and the page-tagged passages from the user message, and answers the JSON asked for
 * with sentences of those passages (as quotes, with a light paraphrase as text), each citing the
 * first page of its passage. Deterministic; never sees anything but the request.
 */
export function scriptedNoteReply(request: FakeLlmRequest): string {
  const prompt = request.prompt;
  const sectionIds = [...prompt.matchAll(/^(s\d+) — /gm)].map((m) => m[1]!);
  const qa = /"question"/.test(prompt);
  const japanese = /in Japanese/.test(prompt);
  const passages = [
    ...prompt.matchAll(/<passage pages="(\d+)(?:-\d+)?"[^>]*>\n([\s\S]*?)\n<\/passage>/g),
  ].map((m) => ({ page: Number(m[1]), text: m[2]! }));
  const sentences = passages.flatMap((p) =>
    splitSentences(normalizeForVerification(p.text))
      .filter((s) => s.length >= 40 && s.length <= 300 && /^[\p{Lu}\p{Lo}]/u.test(s) && /[.!?。]$/u.test(s))
      .map((s) => ({ page: p.page, s })),
  );
  const sections: Record<string, unknown[]> = {};
  sectionIds.forEach((id, i) => {
    const picked = sentences.filter((_, k) => k % Math.max(1, sectionIds.length) === i).slice(0, 2);
    sections[id] = picked.map(({ page, s }, k) => ({
      text: japanese
        ? "本論文はこの点について次のように述べている。"
        : k === 0
          ? s
          : `The authors state: ${s}`,
      page,
      quote: s,
      ...(qa ? { question: "What does the paper state here?" } : {}),
    }));
  });
  return JSON.stringify({ sections });
}
