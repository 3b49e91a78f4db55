// Chart.js helpers shared by the run page and the lesson widgets: line charts per epoch, bar charts,
// and a mean line with a band of ± one standard deviation. Every chart gets axis titles (with units).
import { language } from "./format.js";

const CHART_SCRIPT = new URL("../../vendor/chartjs/chart.umd.min.js", import.meta.url).href;
let loading = null;

/** Chart.js's global `Chart`: pages that draw load it with a <script>; otherwise it is loaded here, once. */
export function chartLibrary() {
  if (window.Chart) return Promise.resolve(window.Chart);
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = CHART_SCRIPT;
    script.onload = () => resolve(window.Chart);
    script.onerror = () => { loading = null; reject(new Error("Chart.js did not load")); };
    document.head.append(script);
  });
  return loading;
}

const title = (text) => ({ display: true, text });

/** Options every chart shares: no animation, numbers in the page's language, titled axes. */
export function baseOptions({ xTitle, yTitle, ...rest } = {}) {
  return {
    animation: false,
    locale: language(),
    ...rest,
    scales: {
      ...(rest.scales || {}),
      x: { ...(rest.scales?.x || {}), title: title(xTitle) },
      y: { ...(rest.scales?.y || {}), title: title(yTitle) },
    },
  };
}

/** A line chart over `labels` (e.g. epochs): series are { label, values, colour }; the point at `marked`
 * (an x label) of the series called `markedSeries` is drawn bigger. With `chart` (one this function drew
 * before) its data is replaced in place, so polling pages do not flicker. Returns the chart. */
export function lineChart(canvas, { labels, series, xTitle, yTitle, marked = null, markedSeries = null, yMax, chart }) {
  const data = {
    labels,
    datasets: series.map(({ label, values, colour }) => ({
      label, data: values, borderColor: colour, backgroundColor: colour, tension: 0.2,
      pointRadius: labels.map((x) => (x === marked && label === markedSeries ? 7 : 3)),
    })),
  };
  if (chart) {
    chart.data = data;
    chart.update();
    return chart;
  }
  const options = baseOptions({ xTitle, yTitle, scales: { y: yMax === undefined ? {} : { max: yMax } } });
  return new Chart(canvas, { type: "line", data, options });
}

/** A bar chart of one series; horizontal bars by default (long names fit on the left). `colour` may be one
 * per bar; `integer`: counts, whole numbers on the value axis; `legend: false` when the axis title says it
 * all; `aspectRatio`: width / height (Chart.js's default 2). Replaces `chart`. */
export function barChart(canvas, { labels, values, label, valueTitle, categoryTitle = "", horizontal = true,
  colour = "#0d6efd", max, integer = false, legend = true, aspectRatio = 2, chart }) {
  chart?.destroy();
  const valueAxis = { ...(max === undefined ? {} : { max }), ...(integer ? { ticks: { precision: 0 } } : {}) };
  const shared = { aspectRatio, plugins: { legend: { display: legend } } };
  const options = horizontal
    ? baseOptions({ ...shared, xTitle: valueTitle, yTitle: categoryTitle, indexAxis: "y", scales: { x: valueAxis } })
    : baseOptions({ ...shared, xTitle: categoryTitle, yTitle: valueTitle, scales: { y: valueAxis } });
  options.scales[horizontal ? "y" : "x"].title.display = Boolean(categoryTitle);
  return new Chart(canvas, {
    type: "bar", data: { labels, datasets: [{ label: label ?? valueTitle, data: values, backgroundColor: colour }] }, options,
  });
}

/** Datasets of a mean line (drawn on top) and a band of ± one standard deviation around it: an invisible
 * upper edge and a lower edge filled up to it. `xs` are the x values; mean and std are fractions, drawn in %. */
export function spreadSeries({ label, bandLabel, xs, mean, std, colour }) {
  const points = (values) => xs.map((x, i) => ({ x, y: 100 * values[i] }));
  const band = { label: bandLabel, borderWidth: 0, pointRadius: 0, order: 1 };
  return [
    { label, data: points(mean), borderColor: colour, backgroundColor: colour, pointRadius: 3, borderWidth: 2, order: 0 },
    { ...band, data: points(mean.map((m, i) => m + std[i])), fill: false },
    { ...band, data: points(mean.map((m, i) => m - std[i])), fill: "-1", backgroundColor: `${colour}26` },
  ];
}
