// The fills of hidden pixels, as ml_models/core/occlusion.py::filled makes them on the model's 224 x 224 input
// (uint8 RGB, row-major, 3 bytes a pixel): the picture's mean colour (numpy's mean, rounded half to even), mid
// grey (128), or Pillow's GaussianBlur(12). Pure functions: no DOM.
//
// The blur is written by hand because no browser API reproduces Pillow's: Pillow approximates a Gaussian with
// three passes of an "extended box" filter (Gwosdek et al. 2011) in 8.24 fixed point, horizontally then
// vertically, on float32 radii (src/libImaging/BoxBlur.c); this is that algorithm, step for step, so the pixels
// are the same bytes as the server's.

export const FILLS = ["mean", "blur", "grey"];
export const BLUR_RADIUS = 12; // ml_models/core/occlusion.py::BLUR_RADIUS
const PASSES = 3; // Pillow's gaussian_blur default
const GREY = 128;

const f = Math.fround;

/** numpy's rint: to the nearest integer, halves to the even one. */
function roundHalfEven(value) {
  const floor = Math.floor(value);
  const rest = value - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The box radius (integer part + fraction) of one pass, in float32 as Pillow's _gaussian_blur_radius. */
export function boxRadius(radius, passes = PASSES) {
  const sigma2 = f(f(radius * radius) / passes);
  const L = f(Math.sqrt(12.0 * sigma2 + 1.0));
  const l = f(Math.floor((L - 1.0) / 2.0));
  let a = f(f(f(2 * l) + 1) * f(f(l * f(l + 1)) - f(3 * sigma2)));
  a = f(a / f(6 * f(sigma2 - f(f(l + 1) * f(l + 1)))));
  return f(l + a);
}

// One horizontal pass over every row of an interleaved uint8 image (`channels` bytes a pixel), in place.
function horizontalPass(pixels, width, height, channels, floatRadius) {
  const radius = Math.trunc(floatRadius);
  const ww = Math.trunc(f(16777216 / f(f(floatRadius * 2) + 1)));
  const fw = Math.trunc((16777216 - (radius * 2 + 1) * ww) / 2);
  const edgeA = Math.min(radius + 1, width);
  const edgeB = Math.max(width - radius - 1, 0);
  const lastx = width - 1;
  const line = new Uint8Array(width * channels);
  const out = new Uint8Array(width * channels);
  for (let y = 0; y < height; y += 1) {
    const offset = y * width * channels;
    line.set(pixels.subarray(offset, offset + width * channels));
    for (let c = 0; c < channels; c += 1) {
      const at = (x) => line[x * channels + c];
      let acc = at(0) * (radius + 1);
      for (let x = 0; x < edgeA - 1; x += 1) acc += at(x);
      acc += at(lastx) * (radius - edgeA + 1);
      const save = (x, left, right) => {
        const bulk = acc * ww + (at(left) + at(right)) * fw;
        out[x * channels + c] = Math.floor((bulk + 8388608) / 16777216) & 255;
      };
      if (edgeA <= edgeB) {
        for (let x = 0; x < edgeA; x += 1) { acc += at(x + radius) - at(0); save(x, 0, x + radius + 1); }
        for (let x = edgeA; x < edgeB; x += 1) { acc += at(x + radius) - at(x - radius - 1); save(x, x - radius - 1, x + radius + 1); }
        for (let x = edgeB; x <= lastx; x += 1) { acc += at(lastx) - at(x - radius - 1); save(x, x - radius - 1, lastx); }
      } else {
        for (let x = 0; x < edgeB; x += 1) { acc += at(x + radius) - at(0); save(x, 0, x + radius + 1); }
        for (let x = edgeB; x < edgeA; x += 1) { acc += at(lastx) - at(0); save(x, 0, lastx); }
        for (let x = edgeA; x <= lastx; x += 1) { acc += at(lastx) - at(x - radius - 1); save(x, x - radius - 1, lastx); }
      }
    }
    pixels.set(out, offset);
  }
}

function transpose(pixels, width, height, channels) {
  const out = new Uint8Array(pixels.length);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      for (let c = 0; c < channels; c += 1) out[(x * height + y) * channels + c] = pixels[(y * width + x) * channels + c];
    }
  }
  return out;
}

/** Pillow's `image.filter(ImageFilter.GaussianBlur(radius))` of a uint8 RGB image (width x height x 3). */
export function gaussianBlur(rgb, width, height, radius = BLUR_RADIUS) {
  const floatRadius = boxRadius(radius);
  const pixels = Uint8Array.from(rgb);
  for (let pass = 0; pass < PASSES; pass += 1) horizontalPass(pixels, width, height, 3, floatRadius);
  const turned = transpose(pixels, width, height, 3);
  for (let pass = 0; pass < PASSES; pass += 1) horizontalPass(turned, height, width, 3, floatRadius);
  return transpose(turned, height, width, 3);
}

/** What hidden pixels become (occlusion.filled): uint8 RGB the size of `rgb`. */
export function filled(rgb, fill, width = 224, height = 224) {
  if (fill === "grey") return new Uint8Array(rgb.length).fill(GREY);
  if (fill === "blur") return gaussianBlur(rgb, width, height);
  if (fill === "mean") {
    const sums = [0, 0, 0]; // integers: exact in float64, as numpy's float64 mean of uint8 values
    for (let index = 0; index < rgb.length; index += 3) {
      sums[0] += rgb[index];
      sums[1] += rgb[index + 1];
      sums[2] += rgb[index + 2];
    }
    const count = rgb.length / 3;
    const colour = sums.map((sum) => roundHalfEven(sum / count));
    const out = new Uint8Array(rgb.length);
    for (let index = 0; index < rgb.length; index += 3) out.set(colour, index);
    return out;
  }
  throw new Error(`fill must be one of ${FILLS.join(", ")}`);
}

/** occlusion.occlude: `replacement` where `mask` (one byte a pixel, 1 = hidden) is set, `rgb` elsewhere. */
export function occlude(rgb, mask, replacement) {
  const out = Uint8Array.from(rgb);
  for (let pixel = 0; pixel < mask.length; pixel += 1) {
    if (mask[pixel]) {
      out[pixel * 3] = replacement[pixel * 3];
      out[pixel * 3 + 1] = replacement[pixel * 3 + 1];
      out[pixel * 3 + 2] = replacement[pixel * 3 + 2];
    }
  }
  return out;
}
