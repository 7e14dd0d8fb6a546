import { describe, expect, it } from "vitest";
import { citationText, encodeLinkPath, linkCitations, relativePosix, unlinkCitations } from "./citations.ts";

const NOTE = [
  "---",
  'title: "A paper"',
  "---",
  "## Key points",
  "",
  "- Transformers use attention. [p. 3]",
  "- A claim we could not check. [p. 12, unverified]",
  "- Escaped text from the paper: \\[p. 99\\] stays text.",
  "",
].join("\n");

describe("citation links", () => {
  it("when a note is linked, then every [p. N] points at that page of the PDF", () => {
    const linked = linkCitations(NOTE, "../papers/paper.pdf");

    expect(linked).toContain("[p. 3](../papers/paper.pdf#page=3)");
    expect(linked).toContain("[p. 12, unverified](../papers/paper.pdf#page=12)");
    expect(linked).toContain("\\[p. 99\\] stays text");
  });

  it("when a linked note is unlinked, then it is exactly what the server generated", () => {
    expect(unlinkCitations(linkCitations(NOTE, "../my%20papers/a%28b%29.pdf"))).toBe(NOTE);
  });

  it("when a link points at another page than its label, then unlinking leaves it alone", () => {
    const text = "See [p. 3](paper.pdf#page=4).";

    expect(unlinkCitations(text)).toBe(text);
  });

  it("when the PDF path has spaces or parentheses, then the link destination is percent-encoded", () => {
    expect(encodeLinkPath("../My Papers/Smith (2020).pdf")).toBe("../My%20Papers/Smith%20%282020%29.pdf");
  });

  it("when the note and the PDF are in different folders, then the relative path climbs only as needed", () => {
    expect(relativePosix("/ws/notes", "/ws/papers/a.pdf")).toBe("../papers/a.pdf");
    expect(relativePosix("/ws", "/ws/a.pdf")).toBe("a.pdf");
    expect(relativePosix("/ws/notes/deep", "/ws/a.pdf")).toBe("../../a.pdf");
  });

  it("when a citation is inserted, then it links to the page if the PDF is local and is plain text otherwise", () => {
    expect(citationText("Attention", 5, "papers/a.pdf")).toBe("[Attention, p. 5](papers/a.pdf#page=5)");
    expect(citationText("Attention", 5, null)).toBe("(Attention, p. 5)");
  });
});
