// Training run page: polls the run while it trains and draws its curves, tables and comparisons, and once it
// has finished its time machine (lib/time_machine.js) on an epoch slider synced to the curves.
import { apiFetch } from "./lib/api.js";
import { barChart, lineChart } from "./lib/charts.js";
import { $, el, format, readJson } from "./lib/dom.js";
import { megabytes, number, percent } from "./lib/format.js";
import { poll } from "./lib/poller.js";
import { mountTimeMachine } from "./lib/time_machine.js";

const root = $("run");
const strings = readJson("i18n-strings");
const POLL_MS = 2000;
const STATUS_STYLE = { queued: "secondary", running: "primary", succeeded: "success", failed: "danger", cancelled: "secondary" };
const charts = {};

const rowOf = (tag, values) => el("tr", { children: values.map((value) => el(tag, { text: value })) });

function fillTable(table, header, rows) {
  table.replaceChildren(
    el("thead", { children: [rowOf("th", header)] }),
    el("tbody", { children: rows.map((row) => rowOf("td", row)) }),
  );
}

function drawLine(id, yTitle, series, labels, marked) {
  charts[id] = lineChart($(id), {
    labels, marked, markedSeries: strings.validation, xTitle: strings.epoch, yTitle, chart: charts[id],
    series: series.map(([label, values, colour]) => ({ label, values, colour })),
  });
}

function drawBars(id, label, labels, values) {
  charts[id] = barChart($(id), { labels, values, valueTitle: label, chart: charts[id] });
}

// What the curves say (evaluate.read_curves, in the API's "curves"): the epoch whose weights were kept, marked
// on the charts, and overfitting only when it was detected, with the gap between the two losses.
function drawCurves(run) {
  const history = run.history;
  const epochs = history.map((row) => row.epoch);
  const curves = run.curves || {};
  const finished = Boolean(run.results.test);
  const marked = (finished ? curves.kept_epoch : curves.best_epoch) ?? null;
  drawLine("loss-chart", strings.loss, [
    [strings.train, history.map((row) => row.loss), "#0d6efd"],
    [strings.validation, history.map((row) => row.val_loss), "#dc3545"],
  ], epochs, marked);
  drawLine("accuracy-chart", strings.accuracy, [
    [strings.train, history.map((row) => row.accuracy), "#0d6efd"],
    [strings.validation, history.map((row) => row.val_accuracy), "#dc3545"],
  ], epochs, marked);
  $("kept").textContent = marked === null ? "" : keptText(run, curves, finished);
  const found = curves.overfitting;
  $("overfitting").classList.toggle("d-none", !found);
  if (found) {
    $("overfitting").textContent = format(strings.overfitting, {
      start: number(found.from_epoch, 0), end: number(found.to_epoch, 0), stage: stageName(found.stage),
      train: number(Math.abs(found.train_loss_change), 3), val: number(Math.abs(found.val_loss_change), 3),
      gap_start: number(found.gap_at_start, 3), gap: number(found.gap, 3),
    });
  }
}

const stageName = (stage) => strings.stages[stage] || stage;

function keptText(run, curves, finished) {
  if (!finished) return format(strings.lowest_so_far, { epoch: number(curves.best_epoch, 0) });
  const epoch = number(curves.kept_epoch, 0);
  if (!run.config.patience) return format(strings.kept_last, { epoch });
  if (curves.kept_epoch === curves.best_epoch) return format(strings.kept_lowest, { epoch });
  return format(strings.kept_stage, { epoch, stage: stageName(curves.kept_stage) });
}

function drawCrossValidation(cv) {
  $("cv-what").textContent = cv ? strings.cv[cv.method] || "" : "—";
  const probe = cv && cv.method === "linear_probe";
  $("cv-probe").classList.toggle("d-none", !probe);
  if (probe) {
    $("cv-probe-text").textContent = cv.l2 ? format(strings.cv_probe_l2, { l2: number(cv.l2, 6) }) : strings.cv_probe_no_l2;
  }
  if (!cv) return;
  const header = ["", ...cv.accuracy_per_fold.map((_, index) => number(index + 1, 0)), "μ ± σ"];
  const rows = [[strings.accuracy, ...cv.accuracy_per_fold.map((value) => percent(value)),
    `${percent(cv.accuracy_mean)} ± ${percent(cv.accuracy_std)}`]];
  if (cv.epochs_per_fold) rows.push([strings.epochs, ...cv.epochs_per_fold.map((value) => number(value, 0)), ""]);
  fillTable($("cv-table"), header, rows);
}

function drawResults(run) {
  const results = run.results;
  if (!results.test) return;
  $("results").classList.remove("d-none");
  drawCrossValidation(results.cross_validation);
  const test = results.test;
  const names = Object.keys(test.per_class);
  const shown = names.map((name) => strings.classes[name] || name); // "gato" on a Spanish page
  $("test-summary").textContent = `${strings.accuracy}: ${percent(test.accuracy)} (n = ${number(test.count, 0)})`
    + (test.roc_auc === null ? "" : ` · ROC AUC ${number(test.roc_auc, 3)}`);
  fillTable($("confusion"), ["", ...shown],
    test.confusion_matrix.map((row, index) => [shown[index], ...row.map((count) => number(count, 0))]));
  fillTable($("per-class"), ["", strings.precision, strings.recall, "F1", "n"], names.map((name, index) => {
    const stats = test.per_class[name];
    return [shown[index], percent(stats.precision), percent(stats.recall), percent(stats.f1), number(stats.support, 0)];
  }));
  const artifacts = results.artifacts || [];
  const artifactName = (row) => format(strings.artifacts[row.kind] || row.artifact, { percent: percent(row.sparsity || 0, 0) });
  // the units are in the column headers: "size (MB)", "latency p50 (ms)", "test accuracy (%)"
  fillTable($("artifacts"), ["", strings.size, strings.latency, strings.test_accuracy], artifacts.map((row) => [
    artifactName(row), megabytes(row.size_bytes), number(row.latency_p50_ms, 2), number(row.accuracy * 100, 1),
  ]));
  drawBars("size-chart", strings.size, artifacts.map(artifactName), artifacts.map((row) => row.size_bytes / 1e6));
  drawBars("latency-chart", strings.latency, artifacts.map(artifactName), artifacts.map((row) => row.latency_p50_ms));
  drawUnusual(results.unusual);
  if (run.model_version) {
    $("model-link").replaceChildren(el("a", {
      text: `${run.model_version.name} v${run.model_version.version}`, attrs: { href: root.dataset.modelsUrl },
    }));
  }
}

// How the version's unusual threshold was chosen: on this class's photos, or kept from the pretrained model.
function drawUnusual(unusual) {
  if (!unusual) return;
  const values = { threshold: number(unusual.threshold, 3) };
  if (unusual.inherited) {
    $("unusual-summary").textContent = format(strings.unusual_inherited, {
      ...values, count: number(unusual.counts.calibration.others, 0),
    });
  } else if (unusual.held_out) {
    $("unusual-summary").textContent = format(strings.unusual_own, {
      ...values, false_flags: percent(unusual.held_out.false_flags), caught: percent(unusual.held_out.caught),
    });
  }
}

// The time machine's words (training.views.TIME_MACHINE, the lesson widget's too) with the page's names of the
// stages and classes.
function timeMachineWords() {
  const words = { ...strings.time_machine };
  for (const [stage, name] of Object.entries(strings.stages)) words[`stage_${stage}`] = name;
  for (const [label, name] of Object.entries(strings.classes)) words[`label_${label}`] = name;
  return words;
}

// Once the run has finished (or at once, to say why there is none yet): a 404 "no_time_machine" says why in
// the page's language (still training, failed, or made before the time machine existed).
let timeMachineShown = null; // the run's status when it was last asked for
async function showTimeMachine(run, finished) {
  if (timeMachineShown === "done" || timeMachineShown === run.status) return;
  timeMachineShown = finished ? "done" : run.status;
  const box = $("time-machine");
  try {
    const data = await apiFetch(box.dataset.apiUrl);
    box.replaceChildren();
    mountTimeMachine(box, data, timeMachineWords(), { charts: [charts["loss-chart"], charts["accuracy-chart"]] });
    box.dataset.state = "ready";
  } catch (error) {
    box.replaceChildren(el("p", { className: "small text-body-secondary mb-0", text: error.detail || error.message }));
    box.dataset.state = error.code === "no_time_machine" ? "empty" : "error";
  }
  box.removeAttribute("aria-busy");
}

function render(run) {
  const status = $("status");
  status.textContent = run.status_display;
  status.className = `badge fs-6 text-bg-${STATUS_STYLE[run.status]}`;
  status.dataset.status = run.status;
  $("progress-bar").style.width = `${(run.progress * 100).toFixed(0)}%`;
  $("progress-bar").classList.toggle("progress-bar-animated", run.status === "running");
  $("stage").textContent = run.stage_display;
  $("waiting").classList.toggle("d-none", !run.waiting_for_worker);
  $("error").classList.toggle("d-none", !run.error);
  $("error").textContent = run.error;
  $("log").textContent = run.log;
  drawCurves(run);
  drawResults(run);
  const finished = ["succeeded", "failed", "cancelled"].includes(run.status);
  $("cancel-form")?.classList.toggle("d-none", finished);
  showTimeMachine(run, finished);
  return finished;
}

poll(root.dataset.apiUrl, { onUpdate: render, intervalMs: POLL_MS }).done.catch((error) => {
  $("error").textContent = error.detail || error.message; // e.g. logged out meanwhile
  $("error").classList.remove("d-none");
});
