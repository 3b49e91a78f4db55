// Widget "learning-curve": the class's latest learning-curve simulation: test accuracy against the number of
// labels, random vs uncertainty sampling (mean and ± one standard deviation across seeds), said with its noise.
import { baseOptions, chartLibrary, spreadSeries } from "../lib/charts.js";
import { el, format } from "../lib/dom.js";
import { number, percent } from "../lib/format.js";
import { chartBox, link, loadData, note, ready } from "../lib/widget_parts.js";

const COLOURS = { random: "#6c757d", uncertainty: "#0d6efd" };
const NICE_TICKS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

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

export async function mount(element, context) {
  const data = await loadData(element, context);
  if (data) {
    const { strings } = context;
    await chartLibrary();
    const chart = chartBox(strings.chart, "widget-chart");
    element.replaceChildren(
      chart.box,
      el("p", { className: "mt-2 mb-1", text: summary(data, strings), attrs: { "data-summary": "" } }),
      note(format(strings.measured_on, { test: number(data.test_size || 0, 0), seeds: number(data.seeds || 0, 0) }), "mb-1"),
      el("p", { className: "small mb-0", children: [link(strings.page_link, data.page_url)] }),
    );
    const datasets = ["random", "uncertainty"].flatMap((name) => spreadSeries({
      label: strings[name], bandLabel: `${strings[name]} ${strings.spread}`, xs: data.sizes,
      mean: data.strategies[name].mean, std: data.strategies[name].std, colour: COLOURS[name],
    }));
    const options = baseOptions({
      xTitle: strings.labels, yTitle: strings.accuracy,
      scales: {
        x: { type: "logarithmic", ticks: { autoSkip: false, maxRotation: 0, callback: (value) => (NICE_TICKS.includes(value) ? number(value, 0) : "") } },
        y: { max: 100 }, // an accuracy never goes past 100 %
      },
      plugins: {
        legend: { labels: { filter: (item) => !item.text.includes(strings.spread) } },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${percent(item.raw.y / 100)}` } },
      },
    });
    new Chart(chart.canvas, { type: "line", data: { datasets }, options });
  }
  ready(element);
}
