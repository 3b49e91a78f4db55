// A canvas laid over the photo that the reader paints on with a mouse, a finger or a pen (pointer events), and
// the mask it makes: a 224 x 224 PNG (the model's input), white where painted (hidden), black elsewhere.
import { el } from "./dom.js";
import { INPUT_SIDE } from "./inside_maps.js";

const PAINT = "rgb(214, 51, 132)";

/** A painter over `frame` (the photo's box). Returns { canvas, setBrush(diameter in input pixels), clear(),
 * painted() (the share of the input painted, 0..1), maskUrl(invert) (a PNG data URL) }; `onChange()` runs
 * after every stroke and clear. */
export function painter({ onChange = () => {} } = {}) {
  const canvas = el("canvas", {
    className: "inside-paint",
    attrs: { width: String(INPUT_SIDE), height: String(INPUT_SIDE), "data-paint": "" },
  });
  const context = canvas.getContext("2d");
  context.fillStyle = PAINT;
  let diameter = 32;
  let last = null;

  // the input is square but the photo on screen need not be: a round brush on screen is an ellipse here
  function stamp(x, y) {
    const box = canvas.getBoundingClientRect();
    const radiusX = diameter / 2;
    const radiusY = box.height ? radiusX * (box.width / box.height) : radiusX;
    context.beginPath();
    context.ellipse(x, y, radiusX, radiusY, 0, 0, 2 * Math.PI);
    context.fill();
  }

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return { x: (event.clientX - box.left) / box.width * INPUT_SIDE, y: (event.clientY - box.top) / box.height * INPUT_SIDE };
  }

  function strokeTo(next) {
    if (!last) {
      stamp(next.x, next.y);
    } else {
      const distance = Math.hypot(next.x - last.x, next.y - last.y);
      const steps = Math.max(1, Math.ceil(distance / Math.max(1, diameter / 4)));
      for (let step = 1; step <= steps; step += 1) {
        stamp(last.x + (next.x - last.x) * step / steps, last.y + (next.y - last.y) * step / steps);
      }
    }
    last = next;
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = null;
    strokeTo(point(event));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!canvas.hasPointerCapture(event.pointerId)) return;
    event.preventDefault();
    for (const each of event.getCoalescedEvents ? event.getCoalescedEvents() : [event]) strokeTo(point(each));
  });
  const end = (event) => {
    if (!canvas.hasPointerCapture(event.pointerId)) return;
    canvas.releasePointerCapture(event.pointerId);
    last = null;
    onChange();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  // painted where the paint is at least half opaque (the brush's soft edge counts from there)
  function paintedPixels() {
    const alpha = context.getImageData(0, 0, INPUT_SIDE, INPUT_SIDE).data;
    const painted = new Uint8Array(INPUT_SIDE * INPUT_SIDE);
    for (let index = 0; index < painted.length; index += 1) painted[index] = alpha[index * 4 + 3] >= 128 ? 1 : 0;
    return painted;
  }

  return {
    canvas,
    setBrush(value) { diameter = value; },
    clear() {
      context.clearRect(0, 0, INPUT_SIDE, INPUT_SIDE);
      onChange();
    },
    painted() {
      return paintedPixels().reduce((total, value) => total + value, 0) / (INPUT_SIDE * INPUT_SIDE);
    },
    maskUrl(invert = false) {
      const painted = paintedPixels();
      const mask = el("canvas", { attrs: { width: String(INPUT_SIDE), height: String(INPUT_SIDE) } });
      const maskContext = mask.getContext("2d");
      const pixels = maskContext.createImageData(INPUT_SIDE, INPUT_SIDE);
      painted.forEach((value, index) => {
        const white = (value === 1) !== invert ? 255 : 0;
        pixels.data.set([white, white, white, 255], index * 4);
      });
      maskContext.putImageData(pixels, 0, 0);
      return mask.toDataURL("image/png");
    },
  };
}
