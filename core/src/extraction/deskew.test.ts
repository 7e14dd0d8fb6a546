import { describe, expect, it } from "vitest";
import { corpusBytes, hasCorpus } from "./corpus.fixture.ts";
import { estimateSkew } from "./deskew.ts";
import { openPdf } from "./extract-in-process.ts";
import { renderPageForOcr, type GrayBitmap } from "./raster.ts";

const degrees = (rad: number) => (rad * 180) / Math.PI;

async function scanPage(file: string, n: number): Promise<GrayBitmap> {
  const doc = await openPdf(corpusBytes(file)).promise;
  try {
    return (await renderPageForOcr(await doc.getPage(n), 60_000_000)).bitmap;
  } finally {
    await doc.destroy();
  }
}

/** The bitmap turned clockwise by `deg` about its centre (nearest pixel, white brought in). */
function rotate(b: GrayBitmap, deg: number): GrayBitmap {
  const t = (deg * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cx = b.width / 2;
  const cy = b.height / 2;
  const gray = new Uint8Array(b.gray.length).fill(255);
  for (let y = 0; y < b.height; y++) {
    for (let x = 0; x < b.width; x++) {
      // Where this output pixel comes from: the inverse rotation.
      const sx = Math.round(cx + (x - cx) * cos + (y - cy) * sin);
      const sy = Math.round(cy - (x - cx) * sin + (y - cy) * cos);
      if (sx >= 0 && sy >= 0 && sx < b.width && sy < b.height)
        gray[y * b.width + x] = b.gray[sy * b.width + sx]!;
    }
  }
  return { ...b, gray };
}

describe.skipIf(!hasCorpus)("skew of a scanned page", () => {
  it("when the skewed corpus poster is measured, then its lines are found descending about 1.7° (tesseract's own estimate)", async () => {
    const page = await scanPage("scanned/tools_timeout_simple.pdf", 1);

    const skew = degrees(estimateSkew(page.gray, page.width, page.height, page.dpi!));

    expect(skew).toBeGreaterThan(1.4);
    expect(skew).toBeLessThan(2.0);
  });

  it("when a scanned memo page is turned by a known angle, then the estimate moves by that angle", async () => {
    const page = await scanPage("scanned/pwl_the_lisp_ii_garbage_collector.pdf", 1);
    const before = degrees(estimateSkew(page.gray, page.width, page.height, page.dpi!));

    const turned = rotate(page, 2);
    const after = degrees(estimateSkew(turned.gray, turned.width, turned.height, turned.dpi!));

    expect(after - before).toBeGreaterThan(1.8);
    expect(after - before).toBeLessThan(2.2);
  });

  it("when a page has no ink, then no skew is reported", () => {
    const blank = new Uint8Array(1000 * 1000).fill(255);

    expect(estimateSkew(blank, 1000, 1000, 300)).toBe(0);
  });
});
