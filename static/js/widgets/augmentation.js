// Widget "augmentation": the reader picks one of their own analysed photos and the worker makes augmented
// copies of it with the lesson's settings (mirror, rotation, zoom), as training would show it.
import { apiFetch } from "../lib/api.js";
import { el, format } from "../lib/dom.js";
import { number, percent } from "../lib/format.js";
import { poll } from "../lib/poller.js";
import { errorText, loadData, note, ready } from "../lib/widget_parts.js";

const POLL_MS = 700;
const FINISHED = ["succeeded", "failed", "cancelled"];

function settingsLine(data, strings) {
  return note(format(strings.settings, {
    flip: data.augment.flip ? strings.yes : strings.no, rotation: number(data.augment.rotation, 2),
    zoom: percent(data.augment.zoom, 0),
  }), "mb-2");
}

// One button per photo: the picture is the choice (they are the reader's own, private photos).
function photoPicker(analyses, strings, onChoose) {
  const buttons = analyses.map((analysis, index) => {
    const label = analysis.label === "unusual" ? strings.answer_unusual : strings[`label_${analysis.label}`];
    const button = el("button", {
      className: `btn btn-outline-secondary p-1${index === 0 ? " active" : ""}`,
      attrs: { type: "button", "aria-pressed": index === 0 ? "true" : "false", "data-analysis": String(analysis.id), title: label },
      children: [el("img", { className: "rounded", attrs: { src: analysis.thumbnail_url, alt: `${strings.original_alt}: ${label}`, width: "64", height: "64", style: "object-fit: cover" } })],
    });
    button.addEventListener("click", () => {
      for (const other of buttons) {
        other.classList.toggle("active", other === button);
        other.setAttribute("aria-pressed", String(other === button));
      }
      onChoose(analysis);
    });
    return button;
  });
  return el("div", { className: "d-flex flex-wrap gap-2 mb-2", attrs: { role: "group", "aria-label": strings.picture }, children: buttons });
}

export async function mount(element, context) {
  const data = await loadData(element, context);
  if (!data) {
    ready(element);
    return;
  }
  const { strings } = context;
  let chosen = data.analyses[0];
  let polling = null; // the preview being waited for
  const status = el("div", { className: "small mt-2", attrs: { role: "status", "aria-live": "polite" } });
  const grid = el("div", { className: "row row-cols-3 row-cols-md-4 g-2 mt-1" });
  const waiting = el("div", { className: `alert alert-warning small mt-2 mb-0${data.worker_alive ? " d-none" : ""}`,
    attrs: { role: "status" }, text: strings.waiting });
  const button = el("button", { className: "btn btn-primary btn-sm", attrs: { type: "button" },
    text: format(strings.show, { count: number(data.count, 0) }) });

  function showError(message) {
    status.replaceChildren(el("div", { className: "alert alert-danger mb-0", attrs: { role: "alert" }, text: message }));
  }

  function showImages(urls) {
    status.replaceChildren();
    grid.replaceChildren(...urls.slice(0, data.count).map((url, index) => el("div", {
      className: "col",
      children: [el("img", { className: "w-100 rounded border augmented", attrs: { src: url, alt: format(strings.copy_alt, { number: index + 1 }) } })],
    })));
    element.dataset.state = "previewed";
  }

  async function preview() {
    polling?.stop(); // a newer request replaces the one still on its way
    grid.replaceChildren();
    status.replaceChildren(el("span", { className: "spinner-border spinner-border-sm me-2", attrs: { "aria-hidden": "true" } }),
      el("span", { text: strings.working }));
    let job;
    try {
      job = await apiFetch(data.preview_url, {
        method: "POST",
        json: { analysis: chosen.id, augment: data.augment, count: data.count, seed: Math.floor(Math.random() * 1000) },
      });
    } catch (error) {
      showError(errorText(error, strings));
      return;
    }
    const current = poll(data.job_url.replace("/0/", `/${job.id}/`), {
      intervalMs: POLL_MS,
      onUpdate: (answer) => {
        waiting.classList.toggle("d-none", !answer.waiting_for_worker);
        return FINISHED.includes(answer.status);
      },
    });
    polling = current;
    try {
      const answer = await current.done;
      if (polling !== current || !answer) return; // replaced by a newer request
      if (answer.status === "succeeded") showImages(answer.result.images);
      else showError(answer.error || strings.failed);
    } catch (error) {
      if (polling === current) showError(errorText(error, strings));
    }
  }

  button.addEventListener("click", preview);
  element.replaceChildren(
    settingsLine(data, strings),
    photoPicker(data.analyses, strings, (analysis) => { chosen = analysis; }),
    button,
    waiting,
    status,
    grid,
  );
  ready(element);
}
