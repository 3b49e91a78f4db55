// Widget "artifacts": every file exported for a trained version (Keras, ONNX, INT8, TFLite, pruned), each
// measured the same way on the version's test split: size, latency p50 and accuracy.
import { barChart, chartLibrary } from "../lib/charts.js";
import { el, format } from "../lib/dom.js";
import { megabytes, number, percent } from "../lib/format.js";
import { chartBox, loadData, note, ready } from "../lib/widget_parts.js";

// "ONNX podado (80 % de los pesos a cero)": the names come from ml_models/views.py::ARTIFACT_NAMES.
const fileName = (row, strings) => format(strings[`artifact_${row.kind}`] || row.artifact || row.kind, {
  percent: percent(row.sparsity || 0, 0),
});

function table(data, strings) {
  const header = [strings.file, strings.size, strings.latency, strings.test_accuracy];
  const rows = data.rows.map((row) => el("tr", {
    attrs: { "data-kind": row.kind },
    children: [
      el("td", { text: fileName(row, strings) }),
      el("td", {
        className: "text-end",
        text: megabytes(row.size_bytes) + (row.compressed_size_bytes
          ? ` (${format(strings.compressed, { size: megabytes(row.compressed_size_bytes) })})` : ""),
      }),
      el("td", { className: "text-end", text: number(row.latency_p50_ms, 2) }),
      el("td", { className: "text-end", text: number(row.accuracy * 100, 1) }),
    ],
  }));
  return el("div", {
    className: "table-responsive",
    children: [el("table", {
      className: "table table-sm",
      children: [el("thead", { children: [el("tr", { children: header.map((text, index) => el("th", {
        className: index ? "text-end" : "", text })) })] }),
        el("tbody", { children: rows })],
    })],
  });
}

export async function mount(element, context) {
  const data = await loadData(element, context);
  if (data) {
    const { strings } = context;
    await chartLibrary();
    const names = data.rows.map((row) => fileName(row, strings));
    const size = chartBox(strings.size_chart, "col-md-6");
    const latency = chartBox(strings.latency_chart, "col-md-6");
    const pruning = data.pruning;
    element.replaceChildren(
      note(format(strings.measured, {
        version: `${data.version.name} v${data.version.version}`, count: number(data.test_count || 0, 0),
      })),
      table(data, strings),
      pruning ? note(format(strings.pruning, {
        target: percent(pruning.target_sparsity, 0), measured: percent(pruning.measured_sparsity ?? 0, 1),
        epochs: number(pruning.epochs ?? 0, 0),
      })) : "",
      el("div", { className: "row g-3", children: [size.box, latency.box] }),
      note(strings.speed_note, "mt-2 mb-0"),
    );
    const bars = { labels: names, legend: false };
    barChart(size.canvas, { ...bars, values: data.rows.map((row) => row.size_bytes / 1e6), valueTitle: strings.size });
    barChart(latency.canvas, { ...bars, values: data.rows.map((row) => row.latency_p50_ms), valueTitle: strings.latency });
  }
  ready(element);
}
