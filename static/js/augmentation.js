// Augmentation page: ask the worker for augmented versions of a picture, then show them.
import { csrfToken } from "./csrf.js";

const form = document.getElementById("augment-form");
const $ = (id) => document.getElementById(id);
const POLL_MS = 700;

function showError(message) {
  $("working").classList.add("d-none");
  $("preview-error").textContent = message;
  $("preview-error").classList.remove("d-none");
}

function showImages(urls) {
  $("working").classList.add("d-none");
  $("grid").replaceChildren(...urls.map((url) => {
    const column = document.createElement("div");
    column.className = "col";
    const image = document.createElement("img");
    image.src = url;
    image.className = "w-100 rounded border augmented";
    image.alt = "";
    column.append(image);
    return column;
  }));
}

async function poll(url, strings) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (body.status === "done") return showImages(body.images);
  if (body.status === "failed" || !response.ok) return showError(strings.failed);
  setTimeout(() => poll(url, strings), POLL_MS);
}

if (form) {
  const strings = JSON.parse($("i18n-strings").textContent);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $("preview-error").classList.add("d-none");
    $("working").querySelector("span:last-child").textContent = strings.working;
    $("working").classList.remove("d-none");
    const augment = { flip: $("flip").checked };
    for (const name of ["rotation", "zoom", "translation", "contrast", "brightness"]) augment[name] = Number($(name).value);
    const response = await fetch(form.dataset.apiUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json",
                 "Accept-Language": document.documentElement.lang },
      body: JSON.stringify({ analysis: Number($("analysis").value), augment, seed: Math.floor(Math.random() * 1000) }),
    });
    const body = await response.json();
    if (!response.ok) return showError(body.detail || strings.failed);
    poll(`${form.dataset.apiUrl}${body.task_id}/`, strings);
  });
}
