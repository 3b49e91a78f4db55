// What the edge page and the analyze page's "In my browser" switch both show about the model on the device:
// the runtime line (execution provider, threads and why they are off), the message for a photo the browser
// refuses, and the heatmaps of an answer drawn by answer.js.
import { drawOverlay } from "./answer.js";
import { format } from "./dom.js";
import { number } from "./format.js";

const INPUT_ERRORS = ["not_image", "too_large", "too_many_pixels"];

/** "1 hilo" / "4 hilos". */
export const threadsText = (count, strings) => (count === 1 ? strings.threads_one : format(strings.threads_many, { count }));

/** "Proveedor de ejecución: wasm · 2 hilos". */
export const runtimeText = (runtime, strings) => format(strings.runtime, {
  backend: runtime.backend, threads: threadsText(runtime.threads, strings),
});

/** Why the threads are what they are, in one sentence (edge.js's reason codes). */
export function threadsReason(runtime, strings) {
  if (runtime.reason) return strings[`threads_${runtime.reason}`] || "";
  return runtime.threads > 1 ? strings.threads_on : "";
}

/** The message for a failed classification: the photo's problem (EdgeInputError codes) or a generic one. */
export function errorMessage(error, strings) {
  if (error?.name === "EdgeError") return loadErrorMessage(error, strings);
  if (INPUT_ERRORS.includes(error?.code)) {
    return format(strings[`error_${error.code}`], { millions: number((error.limit || 50e6) / 1e6, 1) });
  }
  return error?.detail || strings.error;
}

/** Why the model could not be loaded (edge.js's EdgeError codes). */
export function loadErrorMessage(error, strings) {
  if (error?.code === "download") return error.status ? strings.load_download : strings.load_offline;
  if (error?.code === "checksum") return strings.load_checksum;
  return format(strings.load_error, { code: error?.code || error?.detail || error?.message || "" });
}

/** The fixed-scale map of an answer's evidence (signed logits per cell), like cam.fixed_scale: 1 at
 * `style.fixed_scale_logits` logits or more. `style`: the answer data's `cam` (edge.tables.cam). */
export function fixedScale(evidence, style) {
  const full = style.fixed_scale_logits;
  const data = new Float32Array(evidence.data.length);
  for (let i = 0; i < data.length; i += 1) data[i] = Math.min(1, Math.max(0, evidence.data[i] / full));
  return { height: evidence.height, width: evidence.width, data, style };
}

/** A {height, width, data} map as rows of numbers (the shape the analyses API gives). */
export function rows(map) {
  return Array.from({ length: map.height }, (_, row) => Array.from(map.data.slice(row * map.width, (row + 1) * map.width)));
}

/** The map drawn over a photo of this size into `canvas` (answer.js draws it like cam.heatmap_png). */
export function drawHeatmap(canvas, map, photo) {
  drawOverlay(canvas, map, { width: photo.width, height: photo.height });
  return canvas;
}

/** The map as a PNG data URL, for an <img> laid over the photo. */
export const heatmapDataUrl = (map, photo) => drawHeatmap(document.createElement("canvas"), map, photo).toDataURL("image/png");

/** The strongest cell of a map, in its own unit. */
export function strongest(map) {
  let best = -Infinity;
  for (const value of map.data) best = Math.max(best, value);
  return best;
}

/** The sum of a map's cells. */
export function total(map) {
  let sum = 0;
  for (const value of map.data) sum += value;
  return sum;
}

/** The part of edge.classify's result the page hook gives (the contract). */
export function hookResult(result) {
  const { label, probabilities, unusual_score: unusualScore, tags, ms, backend, threads } = result;
  return { label, probabilities: { cat: probabilities.cat, dog: probabilities.dog }, unusual_score: unusualScore, tags, ms, backend, threads };
}
