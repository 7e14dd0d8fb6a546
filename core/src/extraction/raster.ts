import type { PDFPageProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import { unrecoverable } from "../errors/app-error.ts";

/** Resolution pages are rendered at for OCR; tesseract reads printed text best around 300 dpi. */
export const OCR_DPI = 300;
/** Below this a page is not worth reading: rather than render it smaller, it fails the limit. */
const MIN_DPI = 100;

/** Width and height in pixels declared by a PNG, JPEG or TIFF header, or null when unreadable. */
export function imageDimensions(b: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // PNG: IHDR is the first chunk.
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  // JPEG: walk the segments to the first start-of-frame.
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1]!;
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        i += 2;
        continue;
      }
      const len = view.getUint16(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: view.getUint16(i + 5), width: view.getUint16(i + 7) };
      }
      i += 2 + len;
    }
    return null;
  }
  // TIFF: the first IFD's ImageWidth (256) and ImageLength (257).
  if (b.length >= 8 && ((b[0] === 0x49 && b[1] === 0x49) || (b[0] === 0x4d && b[1] === 0x4d))) {
    const le = b[0] === 0x49;
    let ifd = view.getUint32(4, le);
    if (ifd + 2 > b.length) return null;
    const count = view.getUint16(ifd, le);
    ifd += 2;
    let width = 0;
    let height = 0;
    for (let k = 0; k < count && ifd + 12 * k + 12 <= b.length; k++) {
      const at = ifd + 12 * k;
      const tag = view.getUint16(at, le);
      const type = view.getUint16(at + 2, le);
      const value = type === 3 ? view.getUint16(at + 8, le) : view.getUint32(at + 8, le);
      if (tag === 256) width = value;
      if (tag === 257) height = value;
    }
    return width > 0 && height > 0 ? { width, height } : null;
  }
  return null;
}

/** Throws the pixel-limit error when an image of `width` × `height` is over `maxPixels`. */
export function checkPixels(width: number, height: number, maxPixels: number, what: string): void {
  if (width * height <= maxPixels) return;
  throw unrecoverable(
    "payload_too_large",
    `${what} is ${Math.round(width)}×${Math.round(height)} pixels (${megapixels(width * height)} MP); ` +
      `the image limit is ${megapixels(maxPixels)} MP (MAX_IMAGE_PIXELS).`,
  );
}

function megapixels(n: number): string {
  return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1);
}

/** A grayscale bitmap: one byte per pixel (0 = black), row by row. */
export interface GrayBitmap {
  gray: Uint8Array;
  width: number;
  height: number;
  /** Pixels per inch, or null when not known (an uploaded image). */
  dpi: number | null;
}

/**
 * Renders a PDF page to a grayscale bitmap for OCR at {@link OCR_DPI}, or lower for a very large
 * page so that the bitmap stays within `maxPixels`. The size is checked before anything is drawn.
 *
 * @returns the bitmap and the pixels per PDF unit it was rendered at.
 * @throws AppError `payload_too_large` when even {@link MIN_DPI} would exceed `maxPixels`.
 */
export async function renderPageForOcr(
  page: PDFPageProxy,
  maxPixels: number,
): Promise<{ bitmap: GrayBitmap; scale: number }> {
  const base = page.getViewport({ scale: 1 });
  let scale = OCR_DPI / 72;
  const fit = Math.sqrt(maxPixels / Math.max(1, base.width * base.height));
  if (fit < scale) {
    if (fit < MIN_DPI / 72) {
      const min = MIN_DPI / 72;
      checkPixels(
        base.width * min,
        base.height * min,
        maxPixels,
        `Page ${page.pageNumber} at ${MIN_DPI} dpi`,
      );
    }
    scale = fit;
  }
  const viewport = page.getViewport({ scale });
  const width = Math.max(1, Math.floor(viewport.width));
  const height = Math.max(1, Math.floor(viewport.height));
  const { createCanvas } = await import("@napi-rs/canvas");
  const canvas = createCanvas(width, height);
  const context = canvas.getContext("2d");
  // Scans are often transparent outside the image; tesseract wants paper, not black.
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, width, height);
  // pdf.js types want DOM canvases; @napi-rs/canvas implements the same drawing API.
  const params = { canvas, canvasContext: context, viewport } as unknown as Parameters<
    PDFPageProxy["render"]
  >[0];
  await page.render(params).promise;
  const rgba = context.getImageData(0, 0, width, height).data;
  return { bitmap: { gray: toGray(rgba, width * height), width, height, dpi: scale * 72 }, scale };
}

/** Luma (ITU-R BT.601) of RGBA pixels on white paper. */
function toGray(rgba: Uint8ClampedArray | Uint8Array, pixels: number): Uint8Array {
  const gray = new Uint8Array(pixels);
  for (let i = 0, p = 0; i < pixels; i++, p += 4) {
    gray[i] = (rgba[p]! * 77 + rgba[p + 1]! * 150 + rgba[p + 2]! * 29) >> 8;
  }
  return gray;
}

/**
 * Decodes a PNG or JPEG into a grayscale bitmap (transparent parts become white paper). Null for
 * other formats (TIFF), which tesseract reads itself.
 */
export async function decodeImage(bytes: Uint8Array): Promise<GrayBitmap | null> {
  const png = bytes[0] === 0x89 && bytes[1] === 0x50;
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  if (!png && !jpeg) return null;
  const { createCanvas, loadImage } = await import("@napi-rs/canvas");
  const image = await loadImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext("2d");
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, image.width, image.height);
  context.drawImage(image, 0, 0);
  const rgba = context.getImageData(0, 0, image.width, image.height).data;
  return {
    gray: toGray(rgba, image.width * image.height),
    width: image.width,
    height: image.height,
    dpi: null,
  };
}

/**
 * A bitmap as a binary PGM (P5) file: what tesseract decodes fastest (no inflate, no colour
 * conversion), and what the benchmark hands the `tesseract` CLI too.
 */
export function toPgm(bitmap: GrayBitmap): Uint8Array {
  const header = new TextEncoder().encode(`P5\n${bitmap.width} ${bitmap.height}\n255\n`);
  const out = new Uint8Array(header.length + bitmap.gray.length);
  out.set(header, 0);
  out.set(bitmap.gray, header.length);
  return out;
}

/** A bitmap as PNG (for tests and tools that upload a rendered page as an image). */
export async function toPng(bitmap: GrayBitmap): Promise<Uint8Array> {
  const { createCanvas } = await import("@napi-rs/canvas");
  const canvas = createCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  const data = context.createImageData(bitmap.width, bitmap.height);
  for (let i = 0, p = 0; i < bitmap.gray.length; i++, p += 4) {
    const v = bitmap.gray[i]!;
    data.data[p] = v;
    data.data[p + 1] = v;
    data.data[p + 2] = v;
    data.data[p + 3] = 255;
  }
  context.putImageData(data, 0, 0);
  const png = await canvas.encode("png");
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
