// Parts the lesson widget modules share (static/js/widgets/*.js): fetch the data, show the class's "nothing yet"
// message or an error inside the widget (never breaking the page), small pieces of text, charts' boxes.
// (lib/widgets.js mounts the modules.)
import { apiFetch } from "./api.js";
import { el, format } from "./dom.js";
import { number } from "./format.js";

/** A message in place of the widget's content: "light" for an empty state, "danger" for an error. */
export function showMessage(element, text, style = "light") {
  element.replaceChildren(el("div", {
    className: `alert alert-${style} mb-0`, text, attrs: { role: style === "danger" ? "alert" : "status" },
  }));
  element.dataset.state = style === "danger" ? "error" : "empty";
}

/** The error's message from the server (in the page's language), or the widget's own fallback. */
export const errorText = (error, strings) => error.detail || strings.error;

/** The widget's data; null once an empty state or an error is shown instead. */
export async function loadData(element, context) {
  try {
    const data = context.data || await apiFetch(context.dataUrl);
    if (data.empty) {
      showMessage(element, data.empty);
      return null;
    }
    return data;
  } catch (error) {
    showMessage(element, errorText(error, context.strings), "danger");
    return null;
  }
}

/** Marks the widget drawn (tests wait for it). */
export function ready(element) {
  element.dataset.state ??= "ready";
  element.dataset.ready = "true";
}

/** A chart's canvas with its accessible name, in a box that keeps the chart inside narrow screens. */
export function chartBox(label, className = "") {
  const canvas = el("canvas", { attrs: { role: "img", "aria-label": label } });
  return { canvas, box: el("div", { className: `position-relative ${className}`.trim(), children: [canvas] }) };
}

/** A link inside the widget (to the page with the whole story). */
export const link = (text, href) => el("a", { text, attrs: { href } });

/** A small paragraph of secondary text. */
export const note = (text, className = "") => el("p", { className: `small text-body-secondary ${className}`.trim(), text });

/** The run in one line: "Run #3 · small CNN trained from scratch · data augmentation on · dropout 0.3". */
export function runLine(run, strings) {
  const parts = [strings[`family_${run.family}`] || run.family,
    run.augmentation ? strings.augmentation_on : strings.augmentation_off];
  if (run.dropout !== null && run.dropout !== undefined) parts.push(format(strings.dropout, { value: number(run.dropout, 2) }));
  return el("p", {
    className: "small mb-2",
    children: [link(format(strings.run_link, { id: run.id }), run.url), ` · ${parts.join(" · ")}`],
  });
}

