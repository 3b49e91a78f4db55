// Widget "confusion": the class's active model on its test split (every settled picture for the pretrained
// model): the confusion matrix (rows: the label, columns: the model's answer), its accuracy with the count,
// and the pictures it gets wrong.
import { el, format } from "../lib/dom.js";
import { number, percent } from "../lib/format.js";
import { loadData, note, ready } from "../lib/widget_parts.js";

const name = (value, strings) => strings[`label_${value}`] || value;

function matrix(data, strings) {
  const corner = el("th", { className: "small text-body-secondary fw-normal", text: `${strings.truth} \\ ${strings.answer}` });
  const header = el("tr", { children: [corner, ...data.columns.map((column) => el("th", { text: name(column, strings) }))] });
  const rows = data.rows.map((row, index) => el("tr", {
    children: [el("th", { text: name(row, strings) }), ...data.matrix[index].map((count, column) => el("td", {
      className: row === data.columns[column] ? "table-success" : (count ? "table-danger" : ""), text: number(count, 0),
    }))],
  }));
  return el("div", {
    className: "table-responsive",
    children: [el("table", {
      className: "table table-bordered table-sm w-auto text-center mb-2",
      children: [el("caption", { className: "caption-top small", text: strings.title }), el("thead", { children: [header] }),
        el("tbody", { children: rows })],
    })],
  });
}

function mistakes(data, strings) {
  if (!data.wrong) return [note(strings.no_mistakes, "mb-0")];
  if (!data.mistakes.length) return [];
  return [
    el("h4", { className: "h6 mt-3", text: strings.mistakes }),
    note(format(strings.mistakes_shown, { shown: number(data.mistakes.length, 0), wrong: number(data.wrong, 0) }), "mb-2"),
    el("div", {
      className: "row row-cols-2 row-cols-md-4 g-2",
      children: data.mistakes.map((item) => el("div", {
        className: "col", attrs: { "data-mistake": String(item.id) },
        children: [el("figure", {
          className: "figure mb-0",
          children: [
            el("img", { className: "figure-img img-fluid rounded recent-thumb w-100", attrs: { src: item.url, alt: "" } }),
            el("figcaption", { className: "figure-caption small", text: format(strings.mistake_caption, {
              truth: name(item.truth, strings), answer: name(item.answer, strings) }) }),
          ],
        })],
      })),
    }),
  ];
}

export async function mount(element, context) {
  const data = await loadData(element, context);
  if (data) {
    const { strings } = context;
    const version = `${data.version.name} v${data.version.version}`;
    element.replaceChildren(
      note(format(data.pretrained ? strings.pretrained : strings.test_split, { version })),
      matrix(data, strings),
      el("p", {
        className: "fs-6 mb-1", attrs: { "data-accuracy": String(data.accuracy) },
        text: format(strings.accuracy, {
          accuracy: percent(data.accuracy), correct: number(data.correct, 0), count: number(data.count, 0),
        }),
      }),
      note(strings.neither_note, "mb-1"),
      data.not_scored ? note(format(strings.not_scored, { count: number(data.not_scored, 0) }), "mb-1") : "",
      ...mistakes(data, strings),
    );
  }
  ready(element);
}
