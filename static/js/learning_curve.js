// Learning-curve page: accuracy against the number of labels (random vs uncertainty sampling, mean
// and spread across seeds), polled while the worker simulates; and the real models' history.
const root = document.getElementById("curve");
const strings = JSON.parse(document.getElementById("i18n-strings").textContent);
const $ = (id) => document.getElementById(id);
const language = root.dataset.language;
const POLL_MS = 2000;
const COLOURS = { random: "#6c757d", uncertainty: "#0d6efd", versions: "#198754" };
let chart = null;

const percentText = (value) => new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 1 }).format(value);
const toPoints = (sizes, values) => sizes.map((x, i) => ({ x, y: 100 * values[i] }));

function axes() {
  return {
    x: { type: "logarithmic", title: { display: true, text: strings.labels } },
    y: { title: { display: true, text: strings.accuracy } },
  };
}

// Mean line plus an invisible upper and a filled lower band of ± one standard deviation.
function strategySeries(name, sizes, spread) {
  const colour = COLOURS[name];
  const upper = sizes.map((x, i) => ({ x, y: 100 * (spread.mean[i] + spread.std[i]) }));
  const lower = sizes.map((x, i) => ({ x, y: 100 * (spread.mean[i] - spread.std[i]) }));
  return [
    { label: strings[name], data: toPoints(sizes, spread.mean), borderColor: colour, backgroundColor: colour, pointRadius: 3 },
    { label: `${strings[name]} ${strings.spread}`, data: upper, borderWidth: 0, pointRadius: 0, fill: false },
    { label: `${strings[name]} ${strings.spread}`, data: lower, borderWidth: 0, pointRadius: 0, fill: "-1", backgroundColor: `${colour}33` },
  ];
}

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
      scales: axes(),
      plugins: { legend: { labels: { filter: (item) => !item.text.includes(strings.spread) } } },
    },
  });
  const needed = result.labels_needed;
  $("curve-summary").textContent = needed && needed.uncertainty_labels
    ? `${strings.random}: ${percentText(needed.random_accuracy_at)} · ${strings.uncertainty}: ${needed.uncertainty_labels} / ${result.sizes.filter((n) => n <= 500).pop()}`
    : "";
}

function showStatus(curve) {
  const status = $("curve-status");
  if (curve.status === "done") {
    status.textContent = "";
    drawCurve(curve.result);
    root.dataset.status = "done";
    return true;
  }
  if (curve.status === "failed") {
    status.textContent = `${strings.failed} ${curve.error || ""}`;
    root.dataset.status = "failed";
    return true;
  }
  const progress = curve.result && curve.result.progress;
  status.textContent = progress ? `${strings.running} ${strings[progress.stage]}: ${progress.done} / ${progress.total}` : strings.running;
  root.dataset.status = curve.status;
  return false;
}

async function poll(id) {
  const response = await fetch(`${root.dataset.apiUrl}${id}/`, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.ok && showStatus(await response.json())) return;
  setTimeout(() => poll(id), POLL_MS);
}

function drawHistory(history) {
  new Chart($("history-chart"), {
    type: "scatter",
    data: {
      datasets: [{
        label: strings.versions,
        data: history.map((item) => ({ x: item.labels, y: 100 * item.accuracy, version: item.version })),
        borderColor: COLOURS.versions, backgroundColor: COLOURS.versions, pointRadius: 5, showLine: true,
      }],
    },
    options: {
      animation: false,
      scales: axes(),
      plugins: { tooltip: { callbacks: { label: (context) => `${context.raw.version}: ${context.raw.y.toFixed(1)} %` } } },
    },
  });
}

const curve = JSON.parse($("curve-data").textContent);
if (curve && !showStatus(curve)) setTimeout(() => poll(curve.id), POLL_MS);
const history = JSON.parse($("history-data").textContent);
if (history.length) drawHistory(history);
root.dataset.ready = "true";
