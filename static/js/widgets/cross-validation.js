// Widget "cross-validation": the accuracy of each fold of a run, their mean and standard deviation, and what
// was cross-validated (a linear probe on the frozen network, or the small CNN itself).
import { barChart, chartLibrary } from "../lib/charts.js";
import { el, format } from "../lib/dom.js";
import { number, percent } from "../lib/format.js";
import { chartBox, loadData, note, ready, runLine } from "../lib/widget_parts.js";

export async function mount(element, context) {
  const data = await loadData(element, context);
  if (data) {
    const { strings } = context;
    await chartLibrary();
    const folds = data.accuracy_per_fold.map((_value, index) => number(index + 1, 0));
    const chart = chartBox(strings.chart, "widget-chart");
    element.replaceChildren(
      runLine(data.run, strings),
      el("p", {
        className: "fs-6 mb-2", attrs: { "data-summary": "" },
        text: format(strings.summary, {
          folds: number(data.folds, 0), mean: percent(data.accuracy_mean), std: percent(data.accuracy_std),
        }),
      }),
      chart.box,
      note(strings[`cv_${data.method}`] || "", "mt-2 mb-0"),
    );
    barChart(chart.canvas, {
      labels: folds, values: data.accuracy_per_fold.map((value) => 100 * value), horizontal: false, max: 100,
      valueTitle: strings.accuracy_axis, categoryTitle: strings.fold, legend: false, aspectRatio: 3,
    });
  }
  ready(element);
}
