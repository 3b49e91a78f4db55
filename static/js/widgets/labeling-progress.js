// Widget "labeling-progress": how many of the class's pictures are settled (their label decided), per status
// and per category, how many labelers, and how much they agree (Fleiss' kappa, as the agreement page says).
import { barChart, chartLibrary } from "../lib/charts.js";
import { el, format } from "../lib/dom.js";
import { number } from "../lib/format.js";
import { chartBox, link, loadData, note, ready } from "../lib/widget_parts.js";

// The order and colours of the labeling overview (labeling/views.py::STATUS_COLOURS).
const STATUSES = [["unlabeled", "secondary"], ["needs_labels", "info"], ["disputed", "danger"], ["consensus", "success"],
  ["adjudicated", "primary"], ["gold", "warning"], ["dataset", "dark"]];
const CATEGORY_COLOURS = { cat: "#ffc107", dog: "#0dcaf0", neither: "#6c757d" };

function statusBadges(data, strings) {
  return el("div", {
    className: "d-flex flex-wrap gap-2 mb-3",
    children: STATUSES.filter(([key]) => key in data.statuses).map(([key, colour]) => el("span", {
      className: `badge text-bg-${colour}`, attrs: { "data-status": key },
      text: `${strings[`status_${key}`]}: ${number(data.statuses[key], 0)}`,
    })),
  });
}

function kappaLine(data, strings) {
  if (data.kappa === null) return note(strings.kappa_none, "mb-1");
  return el("p", {
    className: "mb-1", attrs: { "data-kappa": String(data.kappa) },
    text: format(strings.kappa, {
      kappa: number(data.kappa, 2), meaning: strings[`kappa_${data.kappa_meaning}`],
      pictures: number(data.kappa_pictures, 0),
    }),
  });
}

export async function mount(element, context) {
  const data = await loadData(element, context);
  if (data) {
    const { strings } = context;
    await chartLibrary();
    const categories = ["cat", "dog", "neither"];
    const chart = chartBox(strings.per_category, "widget-chart");
    element.replaceChildren(
      el("p", {
        className: "fs-6 mb-2", attrs: { "data-settled": String(data.settled) },
        text: format(strings.settled, { settled: number(data.settled, 0), total: number(data.total, 0) }),
      }),
      statusBadges(data, strings),
      chart.box,
      el("p", { className: "mt-2 mb-1", text: format(strings.labelers, {
        labelers: number(data.labelers, 0), votes: number(data.votes, 0), needed: number(data.labels_per_image, 0) }) }),
      kappaLine(data, strings),
      el("p", { className: "small mb-0", children: [link(strings.agreement_link, data.agreement_url)] }),
    );
    const names = categories.map((value) => strings[`label_${value}`]);
    const values = categories.map((value) => data.categories[value] || 0);
    const colours = categories.map((value) => CATEGORY_COLOURS[value]);
    barChart(chart.canvas, {
      labels: names, values, colour: colours, integer: true, valueTitle: strings.pictures, label: strings.per_category,
      legend: false, aspectRatio: 4,
    });
  }
  ready(element);
}
