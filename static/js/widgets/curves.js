// Widget "curves": loss and accuracy per epoch of a run (training and validation), the epoch whose weights
// were kept, marked on the charts, and the overfitting verdict (training/pipeline/evaluate.py::read_curves).
import { chartLibrary, lineChart } from "../lib/charts.js";
import { el, format } from "../lib/dom.js";
import { number } from "../lib/format.js";
import { chartBox, loadData, note, ready, runLine } from "../lib/widget_parts.js";

const COLOURS = { train: "#0d6efd", validation: "#dc3545" };

const stageName = (stage, strings) => strings[`stage_${stage}`] || stage;

function keptText(data, strings) {
  const { curves, run } = data;
  if (!run.finished) return curves.best_epoch ? format(strings.lowest_so_far, { epoch: number(curves.best_epoch, 0) }) : "";
  if (!curves.kept_epoch) return "";
  const epoch = number(curves.kept_epoch, 0);
  if (!run.patience) return format(strings.kept_last, { epoch });
  if (curves.kept_epoch === curves.best_epoch) return format(strings.kept_lowest, { epoch });
  return format(strings.kept_stage, { epoch, stage: stageName(curves.kept_stage, strings) });
}

function verdict(data, strings) {
  const found = data.curves.overfitting;
  if (!found) return data.run.finished ? note(strings.no_overfitting, "mb-0") : "";
  return el("div", {
    className: "alert alert-warning mb-0", attrs: { role: "status", "data-overfitting": "true" },
    text: format(strings.overfitting, {
      start: number(found.from_epoch, 0), end: number(found.to_epoch, 0), stage: stageName(found.stage, strings),
      train: number(Math.abs(found.train_loss_change), 3), val: number(Math.abs(found.val_loss_change), 3),
      gap_start: number(found.gap_at_start, 3), gap: number(found.gap, 3),
    }),
  });
}

export async function mount(element, context) {
  const data = await loadData(element, context);
  if (data) {
    const { strings } = context;
    await chartLibrary();
    const history = data.history;
    const epochs = history.map((row) => row.epoch);
    const marked = (data.run.finished ? data.curves.kept_epoch : data.curves.best_epoch) ?? null;
    const loss = chartBox(strings.loss_chart, "col-lg-6");
    const accuracy = chartBox(strings.accuracy_chart, "col-lg-6");
    element.replaceChildren(
      runLine(data.run, strings),
      data.run.finished ? "" : note(strings.not_finished),
      el("div", { className: "row g-3", children: [loss.box, accuracy.box] }),
      el("p", { className: "mt-2 mb-1", text: keptText(data, strings), attrs: { "data-kept": "" } }),
      verdict(data, strings),
    );
    const values = (key, scale) => history.map((row) => (row[key] === null || row[key] === undefined ? null : row[key] * scale));
    const series = (key, scale = 1) => [
      { label: strings.train, values: values(key, scale), colour: COLOURS.train },
      { label: strings.validation, values: values(`val_${key}`, scale), colour: COLOURS.validation },
    ];
    const common = { labels: epochs, marked, markedSeries: strings.validation, xTitle: strings.epoch };
    lineChart(loss.canvas, { ...common, series: series("loss"), yTitle: strings.loss_axis });
    lineChart(accuracy.canvas, { ...common, series: series("accuracy", 100), yTitle: strings.accuracy_axis, yMax: 100 });
  }
  ready(element);
}
