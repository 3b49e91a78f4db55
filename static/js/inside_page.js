// The look-inside page (/inside/): the widgets of one of your analyses, with their data embedded by the page.
import { $, readJson } from "./lib/dom.js";
import { mountWidgets } from "./lib/widgets.js";

const container = $("inside");
if (container) mountWidgets(container, { strings: readJson("i18n-strings") || {} });
