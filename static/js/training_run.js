// Training run page: polls the run while it trains and draws its curves, tables and comparisons.
const root = document.getElementById("run");
const strings = JSON.parse(document.getElementById("i18n-strings").textContent);
const $ = (id) => document.getElementById(id);
const language = root.dataset.language;
const POLL_MS = 2000;
const STATUS_STYLE = { queued: "secondary", running: "primary", succeeded: "success", failed: "danger", cancelled: "secondary" };
const charts = {};

const percent = (value) => new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 }).format(value);
const number = (value, digits = 3) => new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(value);

function cell(tag, text, className = "") {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function fillTable(table, header, rows) {
  const head = document.createElement("thead");
  head.append(rowOf("th", header));
  const body = document.createElement("tbody");
  rows.forEach((row) => body.append(rowOf("td", row)));
  table.replaceChildren(head, body);
}

function rowOf(tag, values) {
  const row = document.createElement("tr");
  values.forEach((value) => row.append(cell(tag, value)));
  return row;
}

function lineChart(id, yLabel, series, labels, marked) {
  const data = {
    labels,
    datasets: series.map(([label, values, colour]) => ({
      label, data: values, borderColor: colour, backgroundColor: colour, tension: 0.2,
      pointRadius: labels.map((epoch) => (epoch === marked && label === strings.validation ? 7 : 3)),
    })),
  };
  const options = {
    animation: false,
    scales: { x: { title: { display: true, text: strings.epoch } }, y: { title: { display: true, text: yLabel } } },
  };
  if (charts[id]) {
    charts[id].data = data;
    charts[id].update();
  } else {
    charts[id] = new Chart($(id), { type: "line", data, options });
  }
}

function barChart(id, label, labels, values) {
  charts[id]?.destroy();
  charts[id] = new Chart($(id), {
    type: "bar",
    data: { labels, datasets: [{ label, data: values, backgroundColor: "#0d6efd" }] },
    options: { animation: false, indexAxis: "y", scales: { x: { title: { display: true, text: label } } } },
  });
}

function drawCurves(run) {
  const history = run.history;
  const epochs = history.map((row) => row.epoch);
  const marked = run.results.overfitting_epoch ?? null;
  lineChart("loss-chart", strings.loss, [
    [strings.train, history.map((row) => row.loss), "#0d6efd"],
    [strings.validation, history.map((row) => row.val_loss), "#dc3545"],
  ], epochs, marked);
  lineChart("accuracy-chart", strings.accuracy, [
    [strings.train, history.map((row) => row.accuracy), "#0d6efd"],
    [strings.validation, history.map((row) => row.val_accuracy), "#dc3545"],
  ], epochs, marked);
  $("overfitting").classList.toggle("d-none", marked === null);
  if (marked !== null) $("overfitting").textContent = `${strings.epoch} ${marked}: ${strings.overfitting}`;
}

function drawResults(run) {
  const results = run.results;
  if (!results.test) return;
  $("results").classList.remove("d-none");
  const cv = results.cross_validation;
  $("cv-what").textContent = cv ? cv.what : "—";
  if (cv) {
    fillTable($("cv-table"), ["", ...cv.accuracy_per_fold.map((_, index) => `${index + 1}`), "μ ± σ"], [
      [strings.accuracy, ...cv.accuracy_per_fold.map(percent), `${percent(cv.accuracy_mean)} ± ${percent(cv.accuracy_std)}`],
    ]);
  }
  const test = results.test;
  const names = Object.keys(test.per_class);
  $("test-summary").textContent = `${strings.accuracy}: ${percent(test.accuracy)} (n = ${test.count})`
    + (test.roc_auc === null ? "" : ` · ROC AUC ${number(test.roc_auc)}`);
  fillTable($("confusion"), ["", ...names], test.confusion_matrix.map((row, index) => [names[index], ...row]));
  fillTable($("per-class"), ["", strings.precision, strings.recall, "F1", "n"], names.map((name) => {
    const stats = test.per_class[name];
    return [name, percent(stats.precision), percent(stats.recall), percent(stats.f1), stats.support];
  }));
  const artifacts = results.artifacts || [];
  fillTable($("artifacts"), ["", strings.size, strings.latency, strings.test_accuracy], artifacts.map((row) => [
    row.artifact, number(row.size_bytes / 1e6, 2), number(row.latency_p50_ms, 2), number(row.accuracy * 100, 1),
  ]));
  barChart("size-chart", strings.size, artifacts.map((row) => row.artifact), artifacts.map((row) => row.size_bytes / 1e6));
  barChart("latency-chart", strings.latency, artifacts.map((row) => row.artifact), artifacts.map((row) => row.latency_p50_ms));
  if (run.model_version) {
    const link = document.createElement("a");
    link.href = "/models/";
    link.textContent = `${run.model_version.name} v${run.model_version.version}`;
    $("model-link").replaceChildren(link);
  }
}

function render(run) {
  const status = $("status");
  status.textContent = run.status_display;
  status.className = `badge fs-6 text-bg-${STATUS_STYLE[run.status]}`;
  status.dataset.status = run.status;
  $("progress-bar").style.width = `${(run.progress * 100).toFixed(0)}%`;
  $("progress-bar").classList.toggle("progress-bar-animated", run.status === "running");
  $("stage").textContent = strings.stages[run.stage] || run.stage;
  $("error").classList.toggle("d-none", !run.error);
  $("error").textContent = run.error;
  $("log").textContent = run.log;
  drawCurves(run);
  drawResults(run);
  const finished = ["succeeded", "failed", "cancelled"].includes(run.status);
  $("cancel-form")?.classList.toggle("d-none", finished);
  return finished;
}

async function poll() {
  try {
    const response = await fetch(root.dataset.apiUrl, { headers: { Accept: "application/json", "Accept-Language": language } });
    if (response.ok && render(await response.json())) return;
  } catch {
    // the network hiccuped: try again at the next tick
  }
  setTimeout(poll, POLL_MS);
}

poll();
