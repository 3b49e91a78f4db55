// A photo in the browser turned into exactly the model input the server makes of it
// (ml_models/core/preprocess.py): decoded with its EXIF orientation, transparency over white, first frame,
// then the whole picture squashed to 224 x 224 with Pillow's bilinear resampling, integer for integer.
export const INPUT_SIZE = 224;
// The server's limits (eduai/settings.py: EDUAI_MAX_UPLOAD_BYTES, EDUAI_MAX_IMAGE_PIXELS); the edge page passes
// the values /edge/answer-data.json carries, these are the fallback.
export const MAX_BYTES = 10 * 1024 * 1024;
export const MAX_PIXELS = 50_000_000;

/** A file the browser will not classify: `code` is "not_image", "too_large" or "too_many_pixels" (the page
 * words it), `limit` the limit that was passed (bytes or pixels) when there is one. */
export class EdgeInputError extends Error {
  constructor(code, { limit = null, cause } = {}) {
    super(code, cause ? { cause } : undefined);
    this.name = "EdgeInputError";
    this.code = code;
    this.limit = limit;
  }
}

const u16be = (b, i) => (b[i] << 8) | b[i + 1];
const u16le = (b, i) => b[i] | (b[i + 1] << 8);
const u32be = (b, i) => ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
const u32le = (b, i) => ((b[i + 3] << 24) >>> 0) + (b[i + 2] << 16) + (b[i + 1] << 8) + b[i];
const u24le = (b, i) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const ascii = (b, i, n) => String.fromCharCode(...b.subarray(i, i + n));

// JPEG start-of-frame markers (baseline, progressive, lossless...): not DHT (C4), JPG (C8) or DAC (CC).
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegSize(b) {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) { i += 1; continue; }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
    if (SOF.has(marker)) return { width: u16be(b, i + 7), height: u16be(b, i + 5) };
    i += 2 + u16be(b, i + 2);
  }
  return null;
}

/** {format, width, height} from the first bytes of a file when it is one of the formats the server accepts
 * (classifier/images.py: JPEG, PNG, GIF, WebP, BMP), else null. Sizes are read from the header so a huge
 * picture is refused before it is decoded; width or height is null when the header was not enough. */
export function sniffImage(b) {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    return { format: "JPEG", ...(jpegSize(b) || { width: null, height: null }) };
  }
  if (b.length >= 24 && u32be(b, 0) === 0x89504e47 && u32be(b, 4) === 0x0d0a1a0a) {
    return { format: "PNG", width: u32be(b, 16), height: u32be(b, 20) };
  }
  if (b.length >= 10 && (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a")) {
    return { format: "GIF", width: u16le(b, 6), height: u16le(b, 8) };
  }
  if (b.length >= 26 && ascii(b, 0, 2) === "BM") {
    const header = u32le(b, 14);
    if (header === 12) return { format: "BMP", width: u16le(b, 18), height: u16le(b, 20) };
    return { format: "BMP", width: Math.abs(u32le(b, 18) | 0), height: Math.abs(u32le(b, 22) | 0) };
  }
  if (b.length >= 30 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") {
    const chunk = ascii(b, 12, 4);
    if (chunk === "VP8X") return { format: "WEBP", width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
    if (chunk === "VP8L") {
      const bits = u32le(b, 21);
      return { format: "WEBP", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === "VP8 ") return { format: "WEBP", width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
    return { format: "WEBP", width: null, height: null };
  }
  return null;
}

function canvasOf(width, height) {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/** A photo (File or Blob) -> {width, height, rgba: Uint8ClampedArray} as the server reads it: EXIF orientation
 * applied, transparency over white, the first frame of an animation, colours as stored (no colour-profile
 * conversion, like Pillow). Throws EdgeInputError. */
export async function decodePhoto(blob, { maxPixels = MAX_PIXELS, maxBytes = MAX_BYTES } = {}) {
  if (!blob || !blob.size) throw new EdgeInputError("not_image");
  if (blob.size > maxBytes) throw new EdgeInputError("too_large", { limit: maxBytes });
  const head = new Uint8Array(await blob.slice(0, 256 * 1024).arrayBuffer());
  const sniffed = sniffImage(head);
  if (!sniffed) throw new EdgeInputError("not_image");
  if (sniffed.width && sniffed.height && sniffed.width * sniffed.height > maxPixels) {
    throw new EdgeInputError("too_many_pixels", { limit: maxPixels });
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob, {
      imageOrientation: "from-image", colorSpaceConversion: "none", premultiplyAlpha: "none",
    });
  } catch (error) {
    throw new EdgeInputError("not_image", { cause: error });
  }
  const { width, height } = bitmap;
  if (width * height > maxPixels) {
    bitmap.close();
    throw new EdgeInputError("too_many_pixels", { limit: maxPixels });
  }
  const canvas = canvasOf(width, height);
  const context = canvas.getContext("2d", { willReadFrequently: true, colorSpace: "srgb" });
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, width, height);
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = context.getImageData(0, 0, width, height, { colorSpace: "srgb" }).data;
  return { width, height, rgba };
}

// ---- Pillow's resampling, ported from src/libImaging/Resample.c (Pillow 10-13; written by hand because no
// browser API resizes like Pillow and the server's answer depends on every pixel) ----

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

/** Pillow's filters: {filter(x), support}. */
export const FILTERS = {
  bilinear: { support: 1.0, filter: (x) => { const a = Math.abs(x); return a < 1.0 ? 1.0 - a : 0.0; } },
  bicubic: {
    support: 2.0,
    filter: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1.0) return ((a + 2.0) * t - (a + 3.0)) * t * t + 1;
      if (t < 2.0) return (((t - 5) * t + 8) * t - 4) * a;
      return 0.0;
    },
  },
};

/** precompute_coeffs: for each output position its first input index, its tap count and its normalised
 * weights (doubles), `ksize` weights per position. */
export function precomputeCoeffs(inSize, in0, in1, outSize, { filter, support: filterSupport }) {
  const scale = (in1 - in0) / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = filterSupport * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const weights = new Float64Array(outSize * ksize);
  const bounds = new Int32Array(outSize * 2);
  const ss = 1.0 / filterscale;
  for (let xx = 0; xx < outSize; xx += 1) {
    const center = in0 + (xx + 0.5) * scale;
    let ww = 0.0;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    const base = xx * ksize;
    for (let x = 0; x < xmax; x += 1) {
      const w = filter((x + xmin - center + 0.5) * ss);
      weights[base + x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x += 1) {
      if (ww !== 0.0) weights[base + x] /= ww;
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

// normalize_coeffs_8bpc: the weights as fixed-point integers, rounded half away from zero
function fixedPoint(weights) {
  const out = new Int32Array(weights.length);
  for (let i = 0; i < weights.length; i += 1) {
    const w = weights[i];
    out[i] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
  }
  return out;
}

// clip8: the accumulator back to 0..255 (Pillow's lookup table, as arithmetic)
function clip8(value) {
  const v = value >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

// Pillow 13 runs the vertical pass first when the height shrinks much more than the width (python-pillow/Pillow
// #9549): the two orders round differently, so the order is part of "equal". Measured against Pillow 13.0 on
// 600 random sizes: vertical first exactly when the height shrinks by more than twice the width's shrink, in pixels.
function verticalFirst(width, height, outWidth, outHeight) {
  return outWidth !== width && outHeight !== height && height > outHeight && height - outHeight > 2 * (width - outWidth);
}

// One horizontal pass, 8 bits: `rows` rows of `source` (`channels` bytes a pixel, `width` wide) from row `first`
// -> RGB, outWidth wide.
function horizontal8(source, channels, width, first, rows, { ksize, bounds, weights }, outWidth) {
  const k = fixedPoint(weights);
  const out = new Uint8Array(outWidth * rows * 3);
  for (let yy = 0; yy < rows; yy += 1) {
    const row = (yy + first) * width * channels;
    const target = yy * outWidth * 3;
    for (let xx = 0; xx < outWidth; xx += 1) {
      const xmin = bounds[xx * 2];
      const xmax = bounds[xx * 2 + 1];
      const base = xx * ksize;
      let ss0 = HALF;
      let ss1 = HALF;
      let ss2 = HALF;
      for (let x = 0; x < xmax; x += 1) {
        const p = row + (x + xmin) * channels;
        const w = k[base + x];
        ss0 += source[p] * w;
        ss1 += source[p + 1] * w;
        ss2 += source[p + 2] * w;
      }
      out[target + xx * 3] = clip8(ss0);
      out[target + xx * 3 + 1] = clip8(ss1);
      out[target + xx * 3 + 2] = clip8(ss2);
    }
  }
  return out;
}

// One vertical pass, 8 bits: `source` (`channels` bytes a pixel, `width` wide) whose row 0 is the input's row
// `shift` -> RGB, outHeight rows.
function vertical8(source, channels, width, shift, { ksize, bounds, weights }, outHeight) {
  const k = fixedPoint(weights);
  const out = new Uint8Array(width * outHeight * 3);
  const stride = width * channels;
  for (let yy = 0; yy < outHeight; yy += 1) {
    const ymin = bounds[yy * 2] - shift;
    const ymax = bounds[yy * 2 + 1];
    const base = yy * ksize;
    for (let xx = 0; xx < width; xx += 1) {
      let ss0 = HALF;
      let ss1 = HALF;
      let ss2 = HALF;
      for (let y = 0; y < ymax; y += 1) {
        const p = (y + ymin) * stride + xx * channels;
        const w = k[base + y];
        ss0 += source[p] * w;
        ss1 += source[p + 1] * w;
        ss2 += source[p + 2] * w;
      }
      const q = (yy * width + xx) * 3;
      out[q] = clip8(ss0);
      out[q + 1] = clip8(ss1);
      out[q + 2] = clip8(ss2);
    }
  }
  return out;
}

/** RGBA pixels (width x height) -> Uint8Array(outWidth * outHeight * 3) RGB, equal to Pillow's
 * `image.resize((outWidth, outHeight), Image.Resampling.BILINEAR)` of the RGB image: two passes in 8-bit fixed
 * point, in Pillow's order (ImagingResampleInner). */
export function resizeLikePillow(rgba, width, height, outWidth = INPUT_SIZE, outHeight = INPUT_SIZE) {
  if (rgba.length !== width * height * 4) throw new Error(`expected ${width * height * 4} RGBA bytes, got ${rgba.length}`);
  const vertical = precomputeCoeffs(height, 0, height, outHeight, FILTERS.bilinear);
  const horizontal = precomputeCoeffs(width, 0, width, outWidth, FILTERS.bilinear);
  if (verticalFirst(width, height, outWidth, outHeight)) {
    return horizontal8(vertical8(rgba, 4, width, 0, vertical, outHeight), 3, width, 0, outHeight, horizontal, outWidth);
  }
  let image = rgba;
  let channels = 4;
  let shift = 0;
  if (outWidth !== width) { // only the rows the vertical pass reads
    const first = vertical.bounds[0];
    const last = vertical.bounds[outHeight * 2 - 2] + vertical.bounds[outHeight * 2 - 1];
    image = horizontal8(rgba, 4, width, first, last - first, horizontal, outWidth);
    channels = 3;
    shift = first;
  }
  const imageWidth = outWidth !== width ? outWidth : width;
  if (outHeight !== height) return vertical8(image, channels, imageWidth, shift, vertical, outHeight);
  if (channels === 3) return image;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return rgb;
}

// The same two passes on floats (Pillow's 'F' mode: doubles accumulated, float32 stored).
function horizontalFloat(source, width, first, rows, { ksize, bounds, weights }, outWidth) {
  const out = new Float32Array(outWidth * rows);
  for (let yy = 0; yy < rows; yy += 1) {
    for (let xx = 0; xx < outWidth; xx += 1) {
      let ss = 0.0;
      for (let x = 0; x < bounds[xx * 2 + 1]; x += 1) {
        ss += source[(yy + first) * width + x + bounds[xx * 2]] * weights[xx * ksize + x];
      }
      out[yy * outWidth + xx] = ss;
    }
  }
  return out;
}

function verticalFloat(source, width, shift, { ksize, bounds, weights }, outHeight) {
  const out = new Float32Array(width * outHeight);
  for (let yy = 0; yy < outHeight; yy += 1) {
    const ymin = bounds[yy * 2] - shift;
    for (let xx = 0; xx < width; xx += 1) {
      let ss = 0.0;
      for (let y = 0; y < bounds[yy * 2 + 1]; y += 1) ss += source[(y + ymin) * width + xx] * weights[yy * ksize + y];
      out[yy * width + xx] = ss;
    }
  }
  return out;
}

/** Pillow's float ('F' mode) resampling of a grid (Float32Array, height x width) to outWidth x outHeight with
 * `filter` (FILTERS.bicubic for the heatmap, as cam.heatmap_png does). */
export function resizeFloatLikePillow(grid, width, height, outWidth, outHeight, filter = FILTERS.bicubic) {
  const source = Float32Array.from(grid);
  const vertical = precomputeCoeffs(height, 0, height, outHeight, filter);
  const horizontal = precomputeCoeffs(width, 0, width, outWidth, filter);
  if (verticalFirst(width, height, outWidth, outHeight)) {
    return horizontalFloat(verticalFloat(source, width, 0, vertical, outHeight), width, 0, outHeight, horizontal, outWidth);
  }
  let image = source;
  let shift = 0;
  if (outWidth !== width) {
    const first = vertical.bounds[0];
    const last = vertical.bounds[outHeight * 2 - 2] + vertical.bounds[outHeight * 2 - 1];
    image = horizontalFloat(source, width, first, last - first, horizontal, outWidth);
    shift = first;
  }
  return outHeight !== height ? verticalFloat(image, outWidth, shift, vertical, outHeight) : image;
}

/** A decoded photo -> the model's input: Uint8Array(224 * 224 * 3), RGB, row-major (NHWC without the batch). */
export function toModelInput(photo) {
  return resizeLikePillow(photo.rgba, photo.width, photo.height, INPUT_SIZE, INPUT_SIZE);
}
