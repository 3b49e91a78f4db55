// Maps drawn over a photo by the look-inside widgets: a coarse grid in [0, 1] (a CAM), an occlusion map (the
// drop in probability where a patch hid the photo) and one channel of a feature map, all on the heatmap's
// colour ramp and opacity (ml_models/core/cam.py: blue -> cyan -> green -> yellow -> red, transparent at 0),
// so every map on the page reads alike.
import { el } from "./dom.js";

const RAMP = [[49, 54, 149], [69, 187, 230], [120, 198, 121], [254, 224, 90], [215, 48, 39]];
const MAX_ALPHA = 0.85;
export const INPUT_SIDE = 224; // the model's input, in pixels: occlusion patches are measured on it

/** A value in [0, 1] -> [r, g, b, a] (0..255) on the heatmap ramp; alpha grows with the value. */
export function rampColour(value) {
  const v = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));
  const position = v * (RAMP.length - 1);
  const low = Math.min(RAMP.length - 2, Math.floor(position));
  const fraction = position - low;
  const rgb = RAMP[low].map((channel, index) => Math.round(channel * (1 - fraction) + RAMP[low + 1][index] * fraction));
  return [...rgb, Math.round(v * MAX_ALPHA * 255)];
}

function canvas(width, height, className = "") {
  return el("canvas", { className, attrs: { width: String(width), height: String(height), "aria-hidden": "true" } });
}

/** A rows x cols grid of values in [0, 1] drawn smoothly on a canvas (`side` pixels square, stretched over the
 * photo by CSS as the model's input is). */
export function gridCanvas(grid, { side = INPUT_SIDE } = {}) {
  const rows = grid.length;
  const cols = grid[0].length;
  const small = canvas(cols, rows);
  const context = small.getContext("2d");
  const pixels = context.createImageData(cols, rows);
  grid.flat().forEach((value, index) => pixels.data.set(rampColour(value), index * 4));
  context.putImageData(pixels, 0, 0);
  const big = canvas(side, side, "inside-map");
  const bigContext = big.getContext("2d");
  bigContext.imageSmoothingEnabled = true;
  bigContext.imageSmoothingQuality = "high";
  bigContext.drawImage(small, 0, 0, side, side);
  return big;
}

/** Top (or left) edges of a patch sliding over the input, as the server places them: every `stride` pixels,
 * and a last one touching the far edge (ml_models/core/occlusion.py positions). */
export function patchEdges(patch, stride, size = INPUT_SIDE) {
  const edges = [];
  for (let edge = 0; edge <= size - patch; edge += stride) edges.push(edge);
  if (edges[edges.length - 1] !== size - patch) edges.push(size - patch);
  return edges;
}

/** The occlusion grid (drops of probability, one per patch position) on a canvas of the model's input: each
 * position colours the part of the input nearer its patch's centre than any other's (the outer ones reach the
 * edge). Drops are divided by the largest one; positions where hiding raised the probability stay transparent. */
export function occlusionCanvas({ grid, patch, stride }) {
  const big = canvas(INPUT_SIDE, INPUT_SIDE, "inside-map");
  const context = big.getContext("2d");
  const top = Math.max(0, ...grid.flat());
  const centres = patchEdges(patch, stride).map((edge) => edge + patch / 2);
  const bounds = [0, ...centres.slice(1).map((centre, index) => Math.round((centre + centres[index]) / 2)), INPUT_SIDE];
  grid.forEach((row, i) => row.forEach((drop, j) => {
    const [r, g, b, a] = rampColour(top > 0 ? drop / top : 0);
    context.fillStyle = `rgba(${r}, ${g}, ${b}, ${a / 255})`;
    context.fillRect(bounds[j], bounds[i], bounds[j + 1] - bounds[j], bounds[i + 1] - bounds[i]);
  }));
  return big;
}

/** One channel's grey picture (black = its lowest value, white = its highest) recoloured on the ramp into a
 * canvas of the same size, transparent where the channel is lowest; resolves once the picture has loaded. */
export function channelCanvas(dataUrl) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const out = canvas(image.naturalWidth, image.naturalHeight, "inside-map inside-pixelated");
      const context = out.getContext("2d");
      context.drawImage(image, 0, 0);
      const pixels = context.getImageData(0, 0, out.width, out.height);
      for (let index = 0; index < pixels.data.length; index += 4) {
        pixels.data.set(rampColour(pixels.data[index] / 255), index);
      }
      context.putImageData(pixels, 0, 0);
      resolve(out);
    };
    image.onerror = () => reject(new Error("image"));
    image.src = dataUrl;
  });
}

/** The ramp's legend: "0 [gradient] high", the words of both ends given. */
export function rampLegend(low, high) {
  return el("div", {
    className: "d-flex align-items-center gap-2 small text-body-secondary mt-1",
    children: [el("span", { text: low }), el("span", { className: "heatmap-legend", attrs: { "aria-hidden": "true" } }), el("span", { text: high })],
  });
}
