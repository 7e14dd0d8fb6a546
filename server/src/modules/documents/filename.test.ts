import { describe, expect, it } from "vitest";
import { attachmentDisposition, cleanFilename } from "./filename.ts";

describe("cleanFilename", () => {
  it.each([
    ["", "document"],
    [undefined, "document"],
    ["..", "document"],
    ["C:\\Users\\me\\paper.pdf", "paper.pdf"],
    ["  spaced  .pdf  ", "spaced  .pdf"],
    ["\u202E\u200B\uFEFF", "document"],
    ["line\u2028break\u2029.pdf", "linebreak.pdf"],
    ["soft\u00ADhyphen.pdf", "softhyphen.pdf"],
    ["half\uD83D.pdf", "half\uFFFD.pdf"],
  ])("when the name is %j, then it becomes %j", (name, cleaned) => {
    expect(cleanFilename(name)).toBe(cleaned);
  });

  it("when a long name ends in combining accents or a family emoji, then the cut keeps whole characters", () => {
    const accented = cleanFilename(`${"e\u0301\u0302".repeat(200)}.pdf`); // no single NFC form for e+two accents
    const family = cleanFilename(`${"👨‍👩‍👧".repeat(100)}.pdf`); // ZWJ is removed: separate people remain

    expect(Array.from(accented).length).toBeLessThanOrEqual(255);
    expect(accented.endsWith("\u0302.pdf")).toBe(true);
    expect(Array.from(family)).toHaveLength(255);
    expect(family.endsWith(".pdf")).toBe(true);
  });
});

describe("attachmentDisposition", () => {
  it("when the name has quotes and percent signs, then the ASCII fallback cannot break out of its quotes", () => {
    const header = attachmentDisposition('a "quoted" 100%.pdf');

    expect(header).toBe(
      `attachment; filename="a _quoted_ 100_.pdf"; filename*=UTF-8''a%20%22quoted%22%20100%25.pdf`,
    );
  });

  it("when the name is Japanese only, then the fallback keeps the extension readable", () => {
    expect(attachmentDisposition("論文.pdf")).toBe(
      `attachment; filename="__.pdf"; filename*=UTF-8''%E8%AB%96%E6%96%87.pdf`,
    );
  });
});
