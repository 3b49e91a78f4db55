// The faithfulness check of a heatmap, in numbers and one verdict (the occlusion widget, the cam widget and the
// analyze page): hiding the heatmap's hottest fifth of the photo must lower the answer's probability more than
// hiding its coldest fifth. Data: GET /api/v1/analyses/{id}/faithfulness/ (or the cam widget's `faithfulness`).
import { el, format } from "./dom.js";
import { percent } from "./format.js";
import { pointsText } from "./inside.js";

/** "the probability of cat" / "the unusual score": what a drop is measured on. */
export const measuredOn = (name, strings) => strings[`measure_${name}`] || name;

/** The check's lines: what each hiding did and the verdict. `result`: class, fraction, baseline, hot, cold, faithful. */
export function faithfulnessView(result, strings) {
  const what = measuredOn(result.class, strings);
  const line = (template, part) => el("li", {
    text: format(template, {
      fraction: percent(result.fraction, 0), what, baseline: percent(result.baseline),
      probability: percent(part.probability), drop: pointsText(-part.drop, strings),
    }),
  });
  return el("div", {
    className: "inside-faithfulness small", attrs: { "data-faithful": String(result.faithful) },
    children: [
      el("ul", { className: "mb-1 ps-3", children: [line(strings.faithful_hot, result.hot), line(strings.faithful_cold, result.cold)] }),
      el("p", {
        className: `mb-0 fw-semibold ${result.faithful ? "text-success" : "text-danger"}`,
        text: result.faithful ? strings.faithful_yes : strings.faithful_no,
      }),
    ],
  });
}
