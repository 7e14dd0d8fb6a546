import { describe, expect, it } from "vitest";
import { layoutPage, type PositionedText } from "./page-layout.ts";

/** A run of `size`-point text at (x, baseline), about half an em wide per character. */
const run = (
  str: string,
  x: number,
  baseline: number,
  size = 10,
  width = str.length * size * 0.5,
): PositionedText => ({
  str,
  x,
  baseline,
  width,
  height: size,
  size,
});

/** Consecutive runs on one baseline, each starting where the previous one ends. */
function line(
  x: number,
  baseline: number,
  ...parts: (string | [string, number, number])[]
): PositionedText[] {
  const out: PositionedText[] = [];
  let cx = x;
  for (const p of parts) {
    const [str, size, dy] = typeof p === "string" ? [p, 10, 0] : p;
    const r = run(str, cx, baseline + dy, size);
    out.push(r);
    cx += r.width;
  }
  return out;
}

/** A two-column page of body text: left lines x=50..280, right lines x=320..550. */
function columns(rows: number, top = 700): PositionedText[] {
  const out: PositionedText[] = [];
  for (let i = 0; i < rows; i++) {
    out.push(run(`left column line number ${i} of the body text.`, 50, top - i * 12, 10, 230));
    out.push(run(`right column line number ${i} of the body text.`, 320, top - i * 12, 10, 230));
  }
  return out;
}

describe("layoutPage", () => {
  it("when a run has nested subscripts below its baseline, then they stay in the line in x order", () => {
    const runs = [
      ...line(
        50,
        700,
        "we retrieve the vector using ",
        "f",
        ["comp", 8, -1.7],
        ["AN", 6, -3],
        " (red, car).",
      ),
      ...line(50, 688, "The next line of the paragraph follows here."),
    ];

    const { text } = layoutPage(runs, 600, 800);

    expect(text.split("\n")[0]).toBe("we retrieve the vector using fcompAN (red, car).");
    expect(text.split("\n")).toHaveLength(2);
  });

  it("when a footnote marker is raised after a word, then it follows the word on its line", () => {
    const runs = [
      ...line(50, 700, "code for future research.", ["1", 7, 4]),
      ...line(50, 688, "Another line below it."),
    ];

    expect(layoutPage(runs, 600, 800).text).toBe("code for future research.1\nAnother line below it.");
  });

  it("when a small label is printed over a line of text, then it is not interleaved into the words", () => {
    const runs = [
      run("labels. Existing approaches for improving label quality, such as", 50, 700, 10, 300),
      run("C", 280, 702.4, 8, 5),
      run("worker screening or detection of poor work, are ineffective.", 50, 688, 10, 300),
    ];

    const { text } = layoutPage(runs, 600, 800);

    expect(text).toContain("such as\nworker screening");
    expect(text).not.toMatch(/asC/);
  });

  it("when the page number sits alone below the text, then it is not part of the page text", () => {
    const runs = [...columns(20), run("1651", 290, 60, 10, 20)];

    const { text } = layoutPage(runs, 600, 800);

    expect(text).not.toMatch(/1651/);
    expect(text).toContain("left column line number 19 of the body text.\nright column line number 0");
  });

  it("when a word is hyphenated at the foot of the left column, then it is rejoined atop the right", () => {
    const runs = columns(20);
    runs[38] = run("left column ends with a guide-", 50, 700 - 19 * 12, 10, 230);
    runs[1] = run("lines on two long-form summarization datasets.", 320, 700, 10, 230);
    runs.push(run("1651", 290, 60, 10, 20));

    expect(layoutPage(runs, 600, 800).text).toContain("ends with a guidelines on two long-form");
  });

  it("when a column of line numbers runs down the margin, then the numbers are dropped", () => {
    const runs: PositionedText[] = [];
    for (let i = 0; i < 30; i++) {
      runs.push(run(String(100 + i), 20, 700 - i * 12, 8, 12));
      runs.push(run(`Sentence part ${i} of a single column of running text`, 60, 700 - i * 12, 10, 450));
    }

    const { text } = layoutPage(runs, 600, 800);

    expect(text).not.toMatch(/\b1\d\d\b/);
    expect(text.split("\n")[0]).toBe("Sentence part 0 of a single column of running text");
  });

  it("when a number is part of the running text, then it stays", () => {
    const runs = [
      ...line(50, 700, "We surveyed"),
      run("162", 108, 700, 10, 15),
      ...line(126, 700, "papers in total."),
    ];

    expect(layoutPage(runs, 600, 800).text).toBe("We surveyed 162 papers in total.");
  });
});
