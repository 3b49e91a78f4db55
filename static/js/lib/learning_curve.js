// The learning-curve simulation's result in words, shared by the learning-curve page and the lesson widget.
import { format } from "./dom.js";
import { number, percent } from "./format.js";

// The result in words, with its noise (labeling/learning_curve.py::compare), as the learning-curve page says it:
// "uncertainty sampling needs n labels" only where the two curves are further apart than their spread.
export function summary(result, strings) {
  const needed = result.labels_needed;
  const comparison = result.comparison;
  if (!needed || !comparison) return "";
  const sentences = [];
  if (comparison.reference_apart) {
    sentences.push(format(needed.uncertainty_labels ? strings.summary : strings.summary_never, {
      accuracy: percent(needed.random_accuracy_at), reference: number(needed.at, 0),
      needed: number(needed.uncertainty_labels || 0, 0), percent: percent(needed.ratio || 0),
    }));
  }
  const apart = result.sizes.flatMap((n, i) => (comparison.apart[i] ? [format(strings.apart_item, {
    labels: number(n, 0), leader: strings[comparison.gap[i] > 0 ? "uncertainty" : "random"],
    gap: number(Math.abs(comparison.gap[i]) * 100, 1),
  })] : []));
  if (!apart.length) {
    sentences.push(strings.summary_all_noise);
  } else {
    if (comparison.within_spread_from !== null) {
      sentences.push(format(strings.summary_noise, { from: number(comparison.within_spread_from, 0) }));
    }
    sentences.push(format(strings.summary_apart, { sizes: apart.join("; ") }));
  }
  return sentences.join(" ");
}
