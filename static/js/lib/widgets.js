// Mounts the lesson widgets inside a container: each frame (templates/lessons/_widget.html) names its module,
// options, data URL and class; the module's `mount(body, context)` draws it. A widget that fails to load says
// so inside its frame and never breaks the rest of the page.
import { format, readJson } from "./dom.js";

/** Mounts every widget frame under `container` not mounted yet; `strings` are the page's (widget_error). */
export function mountWidgets(container, { strings = {} } = {}) {
  const widgetStrings = readJson("widget-strings") || {};
  for (const frame of container.querySelectorAll("section.lesson-widget")) {
    if (frame.dataset.mounted) continue;
    frame.dataset.mounted = "true";
    const body = frame.querySelector(".widget-body");
    if (!body || !body.querySelector(".widget-loading")) continue; // e.g. "join a class to see it"
    const name = frame.dataset.widget;
    const context = {
      name,
      options: JSON.parse(frame.dataset.options || "{}"),
      dataUrl: frame.dataset.dataUrl || null,
      classId: frame.dataset.classId ? Number(frame.dataset.classId) : null,
      strings: widgetStrings[name] || {},
    };
    import(frame.dataset.module)
      .then((module) => module.mount(body, context))
      .catch((error) => {
        const message = format(strings.widget_error || "%(message)s", { message: error.message || String(error) });
        const alert = document.createElement("div");
        alert.className = "alert alert-danger mb-0";
        alert.setAttribute("role", "alert");
        alert.textContent = message;
        body.replaceChildren(alert);
      });
  }
}
