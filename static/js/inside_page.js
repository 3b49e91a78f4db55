// The look-inside page (/inside/): the widgets of one of your analyses, with their data embedded by the page.
// A section's widget is mounted when the section is first opened (the first one is open from the start), so
// the page asks the server only for what the student looks at.
import { $, readJson } from "./lib/dom.js";
import { mountWidgets } from "./lib/widgets.js";

const container = $("inside");
const strings = readJson("i18n-strings") || {};
if (container) {
  for (const section of container.querySelectorAll("details.inside-section")) {
    if (section.open) mountWidgets(section, { strings });
    else section.addEventListener("toggle", () => section.open && mountWidgets(section, { strings }), { once: false });
  }
}
