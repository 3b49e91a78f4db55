// Learning-curve page: accuracy against the number of labels (random vs uncertainty sampling, mean
// and spread across seeds), polled while the worker simulates; and the real models' history.
import { $, format, readJson } from "./lib/dom.js";
import { language, number, percent } from "./lib/format.js";
import { summary } from "./lib/learning_curve.js";
import { poll } from "./lib/poller.js";

const root = $("curve");
const strings = readJson("i18n-strings");
const POLL_MS = 2000;
const COLOURS = { random: "#6c757d", uncertainty: "#0d6efd" };
const HISTORY_COLOURS = ["#198754", "#d63384", "#fd7e14", "#6f42c1", "#20c997", "#795548"];
let chart = null;

const toPoints = (sizes, values) => sizes.map((x, i) => ({ x, y: 100 * values[i] }));

const NICE_TICKS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

function axes() {
  return {
    x: {
      type: "logarithmic",
      title: { display: true, text: strings.labels },
      ticks: { autoSkip: false, maxRotation: 0, callback: (value) => (NICE_TICKS.includes(value) ? number(value, 0) : "") },
    },
    y: { max: 100, title: { display: true, text: strings.accuracy } },  // an accuracy never goes past 100 %
  };
}

// Mean line (drawn on top) plus a band of ± one standard deviation: an invisible upper edge and a
// lower edge filled up to it.
function strategySeries(name, sizes, spread) {
  const colour = COLOURS[name];
  const upper = sizes.map((x, i) => ({ x, y: 100 * (spread.mean[i] + spread.std[i]) }));
  const lower = sizes.map((x, i) => ({ x, y: 100 * (spread.mean[i] - spread.std[i]) }));
  const band = { label: `${strings[name]} ${strings.spread}`, borderWidth: 0, pointRadius: 0, order: 1 };
  return [
    { label: strings[name], data: toPoints(sizes, spread.mean), borderColor: colour, backgroundColor: colour,
      pointRadius: 3, borderWidth: 2, order: 0 },
    { ...band, data: upper, fill: false },
    { ...band, data: lower, fill: "-1", backgroundColor: `${colour}26` },
  ];
}

// A point's tooltip: "muestreo aleatorio: 87,5 %" (the y values are percentages).
const tooltip = { callbacks: { label: (context) => `${context.dataset.label}: ${percent(context.raw.y / 100)}` } };

function drawCurve(result) {
  const datasets = [
    ...strategySeries("random", result.sizes, result.strategies.random),
    ...strategySeries("uncertainty", result.sizes, result.strategies.uncertainty),
  ];
  chart?.destroy();
  chart = new Chart($("curve-chart"), {
    type: "line",
    data: { datasets },
    options: {
      animation: false,
      locale: language(),
      scales: axes(),
      plugins: { legend: { labels: { filter: (item) => !item.text.includes(strings.spread) } }, tooltip },
    },
  });
  $("curve-summary").textContent = summary(result, strings);
}

function showStatus(curve) {
  const status = $("curve-status");
  if (curve.status === "succeeded") {
    status.textContent = "";
    drawCurve(curve.result);
    root.dataset.status = "succeeded";
    return true;
  }
  if (curve.status === "failed" || curve.status === "cancelled") {
    status.textContent = `${strings.failed} ${curve.error || ""}`;
    root.dataset.status = curve.status;
    return true;
  }
  const progress = curve.result && curve.result.step;
  status.textContent = progress
    ? `${strings.running} ${strings[progress.stage]}: ${number(progress.done, 0)} / ${number(progress.total, 0)}`
    : strings.running;
  root.dataset.status = curve.status;
  return false;
}

// One series per test split: versions measured on the same test pictures are joined by a line;
// versions measured on other test pictures (the split moves as pictures are added) are not.
function historySeries(history) {
  const groups = new Map();
  history.forEach((item, index) => {
    const key = item.test_set || `unknown-${index}`; // an unknown test split is compared with nothing
    if (!groups.has(key)) groups.set(key, { known: Boolean(item.test_set), size: item.test_size, points: [] });
    groups.get(key).points.push({ x: item.labels, y: 100 * item.accuracy, version: item.version });
  });
  return [...groups.values()].map((group, index) => {
    const colour = HISTORY_COLOURS[index % HISTORY_COLOURS.length];
    const label = group.known && group.size
      ? format(strings.test_set, { count: number(group.size, 0) }) : strings.test_set_unknown;
    return { label, data: group.points, borderColor: colour, backgroundColor: colour, pointRadius: 5,
      showLine: group.known };
  });
}

function drawHistory(history) {
  new Chart($("history-chart"), {
    type: "scatter",
    data: { datasets: historySeries(history) },
    options: {
      animation: false,
      locale: language(),
      scales: axes(),
      plugins: { tooltip: { callbacks: { label: (context) => `${context.raw.version}: ${percent(context.raw.y / 100)}` } } },
    },
  });
}

const curve = readJson("curve-data");
if (curve && !showStatus(curve)) {
  poll(`${root.dataset.apiUrl}${curve.id}/`, { onUpdate: showStatus, intervalMs: POLL_MS }).done.catch((error) => {
    $("curve-status").textContent = error.detail || strings.failed; // e.g. logged out meanwhile
  });
}
const history = readJson("history-data");
if (history.length) drawHistory(history);
root.dataset.ready = "true";
