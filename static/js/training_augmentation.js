// Augmentation page: ask the worker for augmented versions of a picture, then show them.
import { apiFetch } from "./lib/api.js";
import { $, el, readJson } from "./lib/dom.js";
import { poll } from "./lib/poller.js";

const form = $("augment-form");
const POLL_MS = 700;
let polling = null; // the preview being waited for

function showError(message) {
  $("working").classList.add("d-none");
  $("preview-error").textContent = message;
  $("preview-error").classList.remove("d-none");
}

function showImages(urls) {
  $("working").classList.add("d-none");
  $("grid").replaceChildren(...urls.map((url) => el("div", {
    className: "col",
    children: [el("img", { className: "w-100 rounded border augmented", attrs: { src: url, alt: "" } })],
  })));
}

if (form) {
  const strings = readJson("i18n-strings");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    polling?.stop(); // a new request replaces the one still on its way
    $("preview-error").classList.add("d-none");
    $("working").querySelector("span:last-child").textContent = strings.working;
    $("working").classList.remove("d-none");
    const augment = { flip: $("flip").checked };
    for (const name of ["rotation", "zoom", "translation", "contrast", "brightness"]) augment[name] = Number($(name).value);
    let job;
    try {
      job = await apiFetch(form.dataset.apiUrl, {
        method: "POST",
        json: { analysis: Number($("analysis").value), augment, seed: Math.floor(Math.random() * 1000) },
      });
    } catch (error) {
      showError(error.detail || strings.failed);
      return;
    }
    // a background job, like every other: polled at /api/v1/jobs/{id}/ until it has finished
    const current = poll(form.dataset.jobUrl.replace("/0/", `/${job.id}/`), {
      intervalMs: POLL_MS,
      onUpdate: (preview) => {
        $("waiting").classList.toggle("d-none", !preview.waiting_for_worker);
        return ["succeeded", "failed", "cancelled"].includes(preview.status);
      },
    });
    polling = current;
    try {
      const preview = await current.done;
      if (polling !== current || !preview) return; // replaced by a newer request
      if (preview.status === "succeeded") showImages(preview.result.images);
      else showError(preview.error || strings.failed);
    } catch (error) {
      if (polling === current) showError(error.detail || strings.failed);
    }
  });
}
