/**
 * Skew of a scanned page, estimated from its ink by the projection-profile method: the angle at
 * which rows of ink line up best (the horizontal projection is most sharply peaked) is the angle
 * of the text lines.
 */

/** Largest skew looked for, in degrees; a page tilted further is rotated, not skewed. */
const MAX_DEGREES = 5;

/**
 * Estimates the angle (radians) of the text lines of a grayscale image; positive when lines
 * descend to the right (in image coordinates, y down). 0 when there is too little ink to tell.
 *
 * @param gray one byte per pixel, row-major, 0 = black.
 * @param dpi the image's resolution; the estimate works on a ~100 dpi sample of it.
 */
export function estimateSkew(gray: Uint8Array, width: number, height: number, dpi: number): number {
  const step = Math.max(1, Math.round(dpi / 100));
  const w = Math.floor(width / step);
  const h = Math.floor(height / step);
  // Ink cells of the sample: a cell is ink when its darkest pixel is dark.
  const xs: number[] = [];
  const ys: number[] = [];
  for (let cy = 0; cy < h; cy++) {
    for (let cx = 0; cx < w; cx++) {
      let min = 255;
      for (let dy = 0; dy < step && min >= 128; dy++) {
        const row = (cy * step + dy) * width + cx * step;
        for (let dx = 0; dx < step; dx++) {
          const v = gray[row + dx]!;
          if (v < min) min = v;
        }
      }
      if (min < 128) {
        xs.push(cx);
        ys.push(cy);
      }
    }
  }
  // A page that is mostly ink (a photo, a dark scan edge) or almost blank has no line structure.
  if (xs.length < 200 || xs.length > w * h * 0.5) return 0;
  const pad = Math.ceil(w * Math.tan((MAX_DEGREES * Math.PI) / 180)) + 2;
  const bins = new Float64Array(h + 2 * pad);
  const score = (deg: number): number => {
    const t = Math.tan((deg * Math.PI) / 180);
    bins.fill(0);
    for (let i = 0; i < xs.length; i++) bins[Math.round(ys[i]! - xs[i]! * t) + pad]! += 1;
    let s = 0;
    for (let i = 1; i < bins.length; i++) {
      const d = bins[i]! - bins[i - 1]!;
      s += d * d;
    }
    return s;
  };
  const search = (from: number, to: number, by: number): number => {
    let best = 0;
    let bestScore = -1;
    for (let deg = from; deg <= to + 1e-9; deg += by) {
      const s = score(deg);
      if (s > bestScore) {
        bestScore = s;
        best = deg;
      }
    }
    return best;
  };
  const coarse = search(-MAX_DEGREES, MAX_DEGREES, 0.25);
  const fine = search(coarse - 0.25, coarse + 0.25, 0.02);
  return (fine * Math.PI) / 180;
}

/**
 * Where a point of the image turned level (by `-skew` about its centre) was in the image as given:
 * the rotation by `skew` about the centre.
 */
export function fromStraightened(
  skew: number,
  width: number,
  height: number,
): (x: number, y: number) => [number, number] {
  const cx = width / 2;
  const cy = height / 2;
  const cos = Math.cos(skew);
  const sin = Math.sin(skew);
  return (x, y) => [cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos];
}
