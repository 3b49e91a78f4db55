// The analyzer's answer for one picture, as the analyze and cam widgets show it: the answer in words, the
// cat/dog probability bars, the unusual score against its threshold, and the heatmap over the picture.
import { el, format } from "./dom.js";
import { localized, logits, percent } from "./format.js";
import { faithfulnessView } from "./inside_faithfulness.js";
import { note } from "./widget_parts.js";

const BAR_COLOURS = { cat: "bg-warning", dog: "bg-info" };

/** "gato", "perro", "inusual" (the answer) in the page's language. */
export const answerName = (answer, strings) => (answer === "unusual" ? strings.answer_unusual : strings[`label_${answer}`]);

function bar(name, value, strings) {
  const fill = el("div", { className: `progress-bar ${BAR_COLOURS[name]}`, attrs: { style: `width: ${(value * 100).toFixed(1)}%` } });
  return el("div", {
    className: "prob-row",
    children: [
      el("span", { text: strings[`label_${name}`] }),
      el("div", { className: "progress flex-grow-1", attrs: { role: "progressbar", "aria-label": strings[`label_${name}`] }, children: [fill] }),
      el("span", { className: "prob-value", text: percent(value), attrs: { "data-probability": name } }),
    ],
  });
}

function gauge(score, threshold, strings) {
  return el("div", {
    className: "gauge", attrs: { "aria-label": strings.unusual_title },
    children: [
      el("div", { className: "gauge-fill", attrs: { style: `width: ${(score * 100).toFixed(1)}%` } }),
      el("div", { className: "gauge-threshold", attrs: { style: `left: ${(threshold * 100).toFixed(1)}%` } }),
    ],
  });
}

// The picture with the heatmap laid over it, a switch to hide the map, and the legend of its fixed scale.
function heatmap(imageUrl, result, strings, imageAlt) {
  const overlay = el("img", {
    className: "widget-heatmap",
    attrs: { src: result.heatmap_url, alt: strings.heatmap_alt, style: "position: absolute; inset: 0; width: 100%; height: 100%; object-fit: contain; opacity: .7" },
  });
  // the frame sets the width (a small picture is drawn larger too); the heatmap has the picture's aspect ratio,
  // so both fit the same box alike
  const picture = el("img", { attrs: { src: imageUrl, alt: imageAlt, style: "width: 100%; object-fit: contain" } });
  const frame = el("div", { className: "overlay-frame", attrs: { style: "width: min(100%, 24rem)" }, children: [picture, overlay] });
  const toggle = el("input", { className: "form-check-input", attrs: { type: "checkbox", role: "switch", checked: "" } });
  toggle.addEventListener("change", () => overlay.classList.toggle("d-none", !toggle.checked));
  const [rows, columns] = result.grid;
  const caption = format(result.answer === "unusual" ? strings.heatmap_caption_unusual : strings.heatmap_caption, {
    what: localized(result.explained), against: result.against ? localized(result.against) : "", rows, columns,
  });
  return [
    el("h4", { className: "h6", text: strings.heatmap_title }),
    note(caption, "mb-2"),
    frame,
    el("div", {
      className: "d-flex flex-wrap align-items-center gap-3 mt-2 small",
      children: [
        el("label", { className: "form-check form-switch mb-0", children: [toggle, el("span", { className: "form-check-label", text: strings.show_heatmap })] }),
        el("span", {
          className: "d-flex align-items-center gap-2 text-body-secondary",
          children: [el("span", { text: "0" }), el("span", { className: "heatmap-legend", attrs: { "aria-hidden": "true" } }),
            el("span", { text: format(strings.legend_fixed, { value: logits(result.fixed_scale_logits) }) })],
        }),
      ],
    }),
    note(format(strings.scale_fixed, { full: logits(result.fixed_scale_logits) }), "mt-1"),
    ...faithfulness(result, strings),
  ];
}

// The heatmap's faithfulness check (hottest fifth hidden against coldest fifth), when the data has it.
function faithfulness(result, strings) {
  if (!result.faithfulness || !strings.faithful_hot) return [];
  return [el("h4", { className: "h6 mt-3", text: strings.faithful_title }), faithfulnessView(result.faithfulness, strings)];
}

/** The answer's parts, ready to append. `result`: answer, probabilities, unusual_score, unusual_threshold,
 * heatmap_url, grid, fixed_scale_logits, explained, against (what widget_data.cam and the analyses API give),
 * and optionally faithfulness (GET /api/v1/analyses/{id}/faithfulness/'s answer). */
export function answerView(imageUrl, result, strings, { imageAlt = "", modelName = "" } = {}) {
  const numbers = el("div", {
    className: "col-md-6",
    children: [
      el("p", { className: "text-body-secondary mb-1", text: strings.says }),
      el("p", { className: "fs-3 fw-semibold mb-2", text: answerName(result.answer, strings), attrs: { "data-answer": result.answer } }),
      modelName ? note(`${strings.model}: ${modelName}`, "mb-2") : "",
      el("h4", { className: "h6", text: strings.probability }),
      note(strings.probability_note, "mb-2"),
      bar("cat", result.probabilities.cat, strings),
      bar("dog", result.probabilities.dog, strings),
      el("h4", { className: "h6 mt-3", text: strings.unusual_title }),
      gauge(result.unusual_score, result.unusual_threshold, strings),
      note(format(strings.unusual, { score: percent(result.unusual_score), threshold: percent(result.unusual_threshold) }), "mt-1"),
    ],
  });
  const map = el("div", { className: "col-md-6", children: heatmap(imageUrl, result, strings, imageAlt) });
  return el("div", { className: "row g-3 widget-answer", children: [numbers, map] });
}
