// Mounts the lesson widgets inside a container: each frame (templates/lessons/_widget.html) names its module,
// options, data URL and class; the module's `mount(body, context)` draws it. A widget that fails to load says
// so inside its frame and never breaks the rest of the page. `data-mounted` is "pending", then "true" or
// "error" (tests and the editor's preview wait for it).
import { el, format, readJson } from "./dom.js";

/** Mounts every widget frame under `container` not mounted yet; `strings` are the page's (widget_error). */
export function mountWidgets(container, { strings = {} } = {}) {
  const widgetStrings = readJson("widget-strings") || {};
  const frames = [...container.querySelectorAll("section.lesson-widget")].filter((frame) => !frame.dataset.mounted);
  return Promise.all(frames.map(async (frame) => {
    frame.dataset.mounted = "pending";
    const body = frame.querySelector(".widget-body");
    if (!body || !body.querySelector(".widget-loading")) { // e.g. "join a class to see it"
      frame.dataset.mounted = "true";
      return;
    }
    const name = frame.dataset.widget;
    const context = {
      name,
      options: JSON.parse(frame.dataset.options || "{}"),
      dataUrl: frame.dataset.dataUrl || null,
      data: frame.dataset.data ? JSON.parse(frame.dataset.data) : null, // a page that embeds the data (look inside)
      classId: frame.dataset.classId ? Number(frame.dataset.classId) : null,
      strings: widgetStrings[name] || {},
    };
    try {
      const module = await import(frame.dataset.module);
      await module.mount(body, context);
      frame.dataset.mounted = "true";
    } catch (error) {
      const message = format(strings.widget_error || "%(message)s", { message: error.detail || error.message || String(error) });
      body.replaceChildren(el("div", { className: "alert alert-danger mb-0", attrs: { role: "alert" }, text: message }));
      frame.dataset.mounted = "error";
    }
  }));
}
