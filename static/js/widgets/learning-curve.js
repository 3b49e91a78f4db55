// Widget "learning-curve": the class's latest learning-curve simulation: test accuracy against the number of
// labels, random vs uncertainty sampling (mean and ± one standard deviation across seeds), said with its noise.
import { baseOptions, chartLibrary, spreadSeries } from "../lib/charts.js";
import { el, format } from "../lib/dom.js";
import { number, percent } from "../lib/format.js";
import { summary } from "../lib/learning_curve.js";
import { chartBox, link, loadData, note, ready } from "../lib/widget_parts.js";

const COLOURS = { random: "#6c757d", uncertainty: "#0d6efd" };
const NICE_TICKS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

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
