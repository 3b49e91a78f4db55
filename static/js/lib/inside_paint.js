// A canvas laid over the photo that the reader paints on with a mouse, a finger or a pen (pointer events), and
// the mask it makes: a 224 x 224 PNG (the model's input), white where painted (hidden), black elsewhere.
import { el, format } from "./dom.js";
import { number, percent } from "./format.js";
import { answerWord } from "./inside.js";
import { INPUT_SIDE } from "./inside_maps.js";

const PAINT = "rgb(214, 51, 132)";

/** A painter over `frame` (the photo's box). Returns { canvas, setBrush(diameter in input pixels), clear(),
 * painted() (the share of the input painted, 0..1), mask(invert) (224 x 224 bytes, 1 where hidden),
 * maskUrl(invert) (the same as a PNG data URL) }; `onChange()` runs after every stroke and clear, `onPaint()`
 * while a stroke is being painted. */
export function painter({ onChange = () => {}, onPaint = () => {} } = {}) {
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
    onPaint();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!canvas.hasPointerCapture(event.pointerId)) return;
    event.preventDefault();
    for (const each of event.getCoalescedEvents ? event.getCoalescedEvents() : [event]) strokeTo(point(each));
    onPaint();
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
    mask(invert = false) {
      const painted = paintedPixels();
      if (invert) for (let index = 0; index < painted.length; index += 1) painted[index] = 1 - painted[index];
      return painted;
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

/** The switch "in my browser" beside the painter: the class's model (edge.js, onnxruntime-web) runs here on the
 * photo with the painted part hidden (the same fills as the server: lib/occlusion_fills.js), and the answer is
 * updated while the reader paints. At most one inference runs at a time; when it ends, the next one takes the
 * latest mask, so a fast brush never queues work. Nothing is sent to the server. `analysis` is analysisOf(data),
 * `modelInfoUrl` the edge model's API address (null: no switch), `fill()` and `invert()` read the panel's
 * choices. Returns { element, update() } (call update() when the mask, the fill or the inversion changes). */
export function livePainting({ paint, analysis, modelInfoUrl, strings, fill, invert }) {
  if (!modelInfoUrl || typeof WebAssembly === "undefined") return { element: "", update() {} };
  const id = `live-${analysis.id}-${Math.random().toString(36).slice(2)}`;
  const toggle = el("input", { className: "form-check-input", attrs: { id, type: "checkbox", role: "switch", "data-action": "live" } });
  const status = el("p", { className: "small text-body-secondary mb-1", attrs: { "aria-live": "polite", "data-live-status": "" } });
  const result = el("div", { attrs: { "data-live": "off" } });
  let session = null;
  let starting = null;
  let running = false;
  let pending = false;
  let count = 0;

  async function start() {
    const [{ createEdge }, { decide }, { filled, occlude }, { loadOrt }] = await Promise.all([
      import("./edge.js"), import("./answer.js"), import("./occlusion_fills.js"), import("./ort_script.js")]);
    await loadOrt();
    const edge = await createEdge({ modelInfoUrl });
    if (edge.info.version.id !== analysis.model) {
      throw Object.assign(new Error(format(strings.live_other_model, { browser: edge.info.version.label })), { otherModel: true });
    }
    const load = await edge.load("fp32");
    const { signature } = edge.info;
    // only the outputs the decision reads, as the server's occlusion.verdicts
    const names = [...new Set([signature.decision.output, signature.decision.unusual.output])];
    const photo = await (await fetch(analysis.imageUrl, { credentials: "same-origin" })).blob();
    const whole = await edge.classify(photo, { precision: "fp32" });
    const fills = new Map();
    const replacementFor = (name) => {
      if (!fills.has(name)) fills.set(name, filled(whole.input, name));
      return fills.get(name);
    };
    return {
      edge, load, whole, input: whole.input,
      run: (mask, name) => edge.run(occlude(whole.input, mask, replacementFor(name)), "fp32", names),
      decide(outputs) {
        const verdict = decide(outputs, signature, edge.tables);
        return { label: verdict.label, probabilities: { cat: verdict.cat, dog: verdict.dog }, unusual_score: verdict.unusual_score };
      },
    };
  }

  function show(now, ms, hidden) {
    const { whole } = session;
    const row = (name, key, before, after) => el("tr", {
      children: [el("th", { className: "fw-normal", text: name }), el("td", { className: "text-end text-nowrap", text: percent(before) }),
        el("td", { className: "text-end text-nowrap", attrs: { [`data-live-${key}`]: String(after) }, text: percent(after) })],
    });
    result.dataset.live = "on";
    result.dataset.label = now.label;
    result.dataset.count = String(count);
    result.replaceChildren(
      el("div", {
        className: "table-responsive",
        children: [el("table", {
          className: "table table-sm w-auto mb-1 inside-live",
          children: [
            el("thead", { children: [el("tr", { children: ["", strings.live_whole, strings.live_hidden].map((text) => el("th", { className: "text-end", text })) })] }),
            el("tbody", {
              children: [
                row(strings.label_cat, "cat", whole.probabilities.cat, now.probabilities.cat),
                row(strings.label_dog, "dog", whole.probabilities.dog, now.probabilities.dog),
                row(strings.unusual_score, "unusual", whole.unusual_score, now.unusual_score),
              ],
            }),
          ],
        })],
      }),
      el("p", { className: "small mb-1", text: format(strings.live_answer, { answer: answerWord(now.label, strings), hidden: percent(hidden) }) }),
      el("p", { className: "small text-body-secondary mb-0", text: format(strings.live_count, { count, value: number(ms, 1) }) }),
    );
  }

  async function update() {
    if (!toggle.checked || !session) return;
    if (running) {
      pending = true;
      return;
    }
    running = true;
    result.dataset.busy = "true"; // tests wait for "false": the answer shown is the latest mask's
    try {
      do {
        pending = false;
        const mask = paint.mask(invert());
        const started = performance.now();
        const outputs = await session.run(mask, fill());
        const now = session.decide(outputs);
        count += 1;
        if (toggle.checked) show(now, performance.now() - started, mask.reduce((total, value) => total + value, 0) / mask.length);
      } while (pending && toggle.checked);
    } catch (error) {
      status.textContent = format(strings.live_failed, { message: error.message || String(error) });
    } finally {
      running = false;
      result.dataset.busy = "false";
    }
  }

  toggle.addEventListener("change", async () => {
    if (!toggle.checked) {
      result.dataset.live = "off";
      result.replaceChildren();
      status.textContent = "";
      return;
    }
    status.textContent = strings.live_loading;
    try {
      starting ||= start();
      session = await starting;
      const { load } = session;
      status.textContent = format(load.fromCache ? strings.live_loaded_cache : strings.live_loaded, { size: number(load.bytes / 1e6, 1), backend: session.whole.backend, threads: session.whole.threads });
      update();
    } catch (error) {
      starting = null;
      toggle.checked = false;
      toggle.disabled = Boolean(error.otherModel); // another version answered this photo: the browser cannot redo it
      status.textContent = error.otherModel ? error.message : format(strings.live_failed, { message: error.detail || error.message || strings.error });
    }
  });

  return {
    element: el("div", {
      className: "mt-2 inside-live-panel", attrs: { "data-part": "live" },
      children: [
        el("div", { className: "form-check form-switch mb-1", children: [toggle, el("label", { className: "form-check-label", attrs: { for: id }, text: strings.live_switch })] }),
        el("p", { className: "small text-body-secondary mb-1", text: strings.live_note }),
        status,
        result,
      ],
    }),
    update,
  };
}
