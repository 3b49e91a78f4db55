// Widget "occlusion": what happens to the answer when part of the photo is hidden. (1) The reader paints over the
// photo and sees the new probabilities beside the old ones, and whether they hid what the heatmap says the
// model looked at (POST .../occlusion/); (2) a patch slides over the photo, with the size and step the reader
// chooses, and the drop in the answer's probability is drawn as a map beside the heatmap, with how much the two
// agree (POST .../occlusion-map/); (3) the heatmap's faithfulness check (GET .../faithfulness/).
import { apiFetch } from "../lib/api.js";
import { el, format } from "../lib/dom.js";
import { number, percent } from "../lib/format.js";
import {
  analysisDetail, analysisOf, answerWord, correlationWords, dropText, insideFrame, photoFrame, pointsText, statusLine, timingNote,
} from "../lib/inside.js";
import { faithfulnessView, measuredOn } from "../lib/inside_faithfulness.js";
import { occlusionCanvas, patchEdges, rampLegend } from "../lib/inside_maps.js";
import { livePainting, painter } from "../lib/inside_paint.js";
import { note, ready } from "../lib/widget_parts.js";

const FILLS = ["mean", "blur", "grey"];
const LIMITS = { patch: [16, 112], stride: [8, 112] };
const MAX_POSITIONS = 256;
const SURE = 0.99; // a probability this close to 100 % (or 0 %) barely moves when a patch is hidden

/** Positions a patch takes in one direction of the input (the server's rule). */
const positions = (patch, stride) => patchEdges(patch, stride).length;

function fillChooser(name, strings, onChange = () => {}) {
  const inputs = FILLS.map((fill) => el("input", { className: "form-check-input", attrs: { type: "radio", name, value: fill, ...(fill === "mean" ? { checked: "" } : {}) } }));
  for (const input of inputs) input.addEventListener("change", onChange);
  const fieldset = el("fieldset", {
    className: "small",
    children: [
      el("legend", { className: "small fw-semibold mb-0 float-none w-auto", text: strings.fill }),
      ...FILLS.map((fill, index) => el("label", { className: "form-check form-check-inline mb-0", children: [inputs[index], el("span", { className: "form-check-label", text: strings[`fill_${fill}`] })] })),
    ],
  });
  return { fieldset, value: () => inputs.find((input) => input.checked).value };
}

// The answer before and after, side by side: cat, dog, unusual score.
function comparison(answer, strings) {
  const { before } = answer;
  const row = (name, old, now) => el("tr", {
    children: [el("th", { className: "fw-normal", text: name }), el("td", { className: "text-end text-nowrap", text: percent(old) }),
      el("td", { className: "text-end text-nowrap", attrs: { "data-after": name }, text: percent(now) }),
      el("td", { className: "text-end text-nowrap", text: pointsText(now - old, strings) })],
  });
  return el("div", {
    className: "table-responsive",
    children: [el("table", {
      className: "table table-sm w-auto mb-2 inside-comparison",
      children: [
        el("thead", { children: [el("tr", { children: ["", strings.before, strings.after, strings.change].map((text) => el("th", { className: "text-end", text })) })] }),
        el("tbody", {
          children: [
            row(strings.label_cat, before.probabilities.cat, answer.probabilities.cat),
            row(strings.label_dog, before.probabilities.dog, answer.probabilities.dog),
            row(strings.unusual_score, before.unusual_score, answer.unusual_score),
          ],
        }),
      ],
    })],
  });
}

function overlapWords(answer, strings) {
  const key = answer.cam_overlap >= 0.5 ? "erased_most" : (answer.cam_overlap >= 0.2 ? "erased_part" : "erased_little");
  return [
    el("p", { className: "mb-1", text: format(strings.hidden_share, { hidden: percent(answer.hidden_fraction), overlap: percent(answer.cam_overlap) }) }),
    el("p", { className: "mb-1 fw-semibold", attrs: { "data-overlap": key }, text: strings[key] }),
  ];
}

function paintSection(analysis, strings, element, modelInfoUrl) {
  const paint = painter({ onChange: () => { send.disabled = paint.painted() === 0; live.update(); }, onPaint: () => live.update() });
  const { frame } = photoFrame(analysis.imageUrl, strings.photo_alt, [paint.canvas]);
  const brush = el("input", { className: "form-range inside-brush", attrs: { type: "range", min: "8", max: "112", value: "40", step: "4", "aria-label": strings.brush } });
  const brushValue = el("span", { className: "text-nowrap" });
  const applyBrush = () => {
    paint.setBrush(Number(brush.value));
    brushValue.textContent = format(strings.brush_size, { value: brush.value });
  };
  brush.addEventListener("input", applyBrush);
  applyBrush();
  const invert = el("input", { className: "form-check-input", attrs: { type: "checkbox" } });
  invert.addEventListener("change", () => live.update());
  const fill = fillChooser(`paint-fill-${analysis.id}-${Math.random().toString(36).slice(2)}`, strings, () => live.update());
  // the same painting answered live by the model in the browser (when the page says where it is)
  const live = livePainting({ paint, analysis, modelInfoUrl, strings, fill: () => fill.value(), invert: () => invert.checked });
  const send = el("button", { className: "btn btn-sm btn-primary", attrs: { type: "button", disabled: "", "data-action": "hide" }, text: strings.hide_painted });
  const clear = el("button", { className: "btn btn-sm btn-outline-secondary", attrs: { type: "button" }, text: strings.clear });
  const status = statusLine(strings);
  const result = el("div", { attrs: { "aria-live": "polite" } });
  clear.addEventListener("click", () => { paint.clear(); result.replaceChildren(); });
  send.addEventListener("click", async () => {
    status.busy(strings.hiding);
    try {
      const answer = await apiFetch(`${analysis.api}occlusion/`, { method: "POST", json: { mask: paint.maskUrl(invert.checked), fill: fill.value() } });
      status.clear();
      const changed = answer.label !== answer.before.label;
      result.replaceChildren(
        comparison(answer, strings),
        el("p", {
          className: "mb-1", attrs: { "data-label": answer.label },
          text: format(changed ? strings.answer_changed : strings.answer_same, { before: answerWord(answer.before.label, strings), after: answerWord(answer.label, strings) }),
        }),
        ...overlapWords(answer, strings),
        timingNote(answer.timings_ms, strings),
      );
      element.dataset.painted = answer.label;
    } catch (error) {
      status.fail(error);
    }
  });
  return el("section", {
    className: "mb-4", attrs: { "data-part": "paint" },
    children: [
      el("h4", { className: "h6", text: strings.paint_title }),
      note(strings.paint_note, "mb-2"),
      el("div", {
        className: "row g-3",
        children: [
          el("div", {
            className: "col-md-6",
            children: [
              frame,
              el("label", { className: "d-flex align-items-center gap-2 small mt-2", children: [el("span", { text: strings.brush }), brush, brushValue] }),
              el("label", { className: "form-check small mb-1", children: [invert, el("span", { className: "form-check-label", text: strings.invert })] }),
              fill.fieldset,
              el("div", { className: "d-flex flex-wrap gap-2 mt-2", children: [send, clear] }),
              live.element,
            ],
          }),
          el("div", { className: "col-md-6", children: [status.element, result] }),
        ],
      }),
    ],
  });
}

function mapSection(analysis, strings, element) {
  const input = (name, value) => el("input", {
    className: "form-control form-control-sm inside-number",
    attrs: { type: "number", min: String(LIMITS[name][0]), max: String(LIMITS[name][1]), step: "1", value: String(value), name, "aria-label": strings[name] },
  });
  const patch = input("patch", 56);
  const stride = input("stride", 28);
  const fill = fillChooser(`map-fill-${analysis.id}-${Math.random().toString(36).slice(2)}`, strings);
  const count = el("span", { className: "small text-body-secondary", attrs: { "data-positions": "" } });
  const run = el("button", { className: "btn btn-sm btn-primary", attrs: { type: "button", "data-action": "map" }, text: strings.run_map });
  const status = statusLine(strings);
  const result = el("div", { attrs: { "aria-live": "polite" } });
  const valid = () => {
    const [p, s] = [Number(patch.value), Number(stride.value)];
    const inside = (value, [low, high]) => Number.isInteger(value) && value >= low && value <= high;
    if (!inside(p, LIMITS.patch) || !inside(s, LIMITS.stride)) {
      count.textContent = format(strings.limits, { pmin: LIMITS.patch[0], pmax: LIMITS.patch[1], smin: LIMITS.stride[0], smax: LIMITS.stride[1] });
      return null;
    }
    const n = positions(p, s);
    count.textContent = format(n * n > MAX_POSITIONS ? strings.too_many : strings.positions, { rows: n, cols: n, count: n * n, max: MAX_POSITIONS });
    return n * n > MAX_POSITIONS ? null : { patch: p, stride: s };
  };
  const check = () => { run.disabled = !valid(); };
  patch.addEventListener("input", check);
  stride.addEventListener("input", check);
  check();

  run.addEventListener("click", async () => {
    const settings = valid();
    if (!settings) return;
    const n = positions(settings.patch, settings.stride);
    status.busy(format(strings.mapping, { count: n * n }));
    run.disabled = true;
    try {
      const [answer, detail] = await Promise.all([
        apiFetch(`${analysis.api}occlusion-map/`, { method: "POST", json: { ...settings, fill: fill.value() } }),
        analysisDetail(analysis),
      ]);
      status.clear();
      const map = occlusionCanvas(answer);
      const cam = el("img", { attrs: { src: detail.explanation.heatmap_url, alt: strings.heatmap_alt } });
      const occluded = photoFrame(analysis.imageUrl, strings.photo_alt, [map], { fill: true });
      const heat = photoFrame(analysis.imageUrl, strings.photo_alt, [cam], { fill: true });
      const what = measuredOn(answer.class, strings);
      result.replaceChildren(
        el("div", {
          className: "inside-pair",
          children: [
            el("figure", { className: "mb-0", children: [occluded.frame, el("figcaption", { className: "small text-body-secondary mt-1", text: strings.map_caption })] }),
            el("figure", { className: "mb-0", children: [heat.frame, el("figcaption", { className: "small text-body-secondary mt-1", text: strings.cam_caption })] }),
          ],
        }),
        rampLegend("0", format(strings.map_legend, { drop: dropText(answer.max_drop, strings) })),
        el("p", { className: "mt-2 mb-1", text: format(strings.map_summary, { what, baseline: percent(answer.baseline), drop: dropText(answer.max_drop, strings), rows: answer.rows, cols: answer.cols, patch: answer.patch, stride: answer.stride }) }),
        answer.baseline > SURE || answer.baseline < 1 - SURE ? note(strings.saturated, "mb-1") : "",
        el("p", { className: "mb-1 fw-semibold", attrs: { "data-correlation": String(answer.cam_rank_correlation) }, text: answer.cam_rank_correlation === null ? strings.rho_undefined : correlationWords(answer.cam_rank_correlation, strings) }),
        note(strings.rank_note, "mb-0"),
        timingNote(answer.timings_ms, strings),
      );
      element.dataset.map = "true";
    } catch (error) {
      status.fail(error);
    } finally {
      check();
    }
  });

  return el("section", {
    className: "mb-4", attrs: { "data-part": "map" },
    children: [
      el("h4", { className: "h6", text: strings.map_title }),
      note(strings.map_note, "mb-2"),
      el("div", {
        className: "d-flex flex-wrap align-items-center gap-2 small",
        children: [el("label", { className: "d-flex align-items-center gap-1", children: [el("span", { text: strings.patch }), patch] }),
          el("label", { className: "d-flex align-items-center gap-1", children: [el("span", { text: strings.stride }), stride] }), count],
      }),
      fill.fieldset,
      el("div", { className: "mt-2", children: [run] }),
      status.element,
      result,
    ],
  });
}

function faithfulnessSection(analysis, strings) {
  const status = statusLine(strings);
  const result = el("div", { attrs: { "aria-live": "polite" } });
  const fill = fillChooser(`faith-fill-${analysis.id}-${Math.random().toString(36).slice(2)}`, strings, () => load());
  async function load() {
    status.busy(strings.checking);
    try {
      const answer = await apiFetch(`${analysis.api}faithfulness/?fill=${fill.value()}`);
      status.clear();
      result.replaceChildren(faithfulnessView(answer, strings), timingNote(answer.timings_ms, strings));
    } catch (error) {
      status.fail(error);
    }
  }
  load();
  return el("section", {
    attrs: { "data-part": "faithfulness" },
    children: [el("h4", { className: "h6", text: strings.faithful_title }), note(strings.faithful_note, "mb-2"), fill.fieldset, status.element, result],
  });
}

export async function mount(element, context) {
  const frame = await insideFrame(element, context, (analysis) => show(analysis));
  if (!frame) return;
  const { data, status, content } = frame;
  const { strings } = context;
  const show = (analysis) => {
    status.clear();
    content.replaceChildren(paintSection(analysis, strings, element, data.edge_model_url), mapSection(analysis, strings, element), faithfulnessSection(analysis, strings));
  };
  show(analysisOf(data));
  ready(element);
}
