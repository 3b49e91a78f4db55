// Analyze page: send the chosen photo to the API and show the answer, details on demand.
import { csrfToken } from "./csrf.js";

const root = document.getElementById("analyzer");
const strings = root ? JSON.parse(document.getElementById("i18n-strings").textContent) : {};
const $ = (id) => document.getElementById(id);

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
}

function percent(value) {
  return new Intl.NumberFormat(root.dataset.language, { style: "percent", maximumFractionDigits: 1 }).format(value);
}

function milliseconds(value) {
  return format(strings.ms, { value: new Intl.NumberFormat(root.dataset.language, { maximumFractionDigits: 1 }).format(value) });
}

// Tags and explanations come in both languages; show the page's.
function localized(item) {
  return root.dataset.language === "en" ? item.label_en : item.label_es;
}

function showError(message) {
  $("error").textContent = message;
  $("error").classList.remove("d-none");
}

function setBar(name, value) {
  $(`bar-${name}`).style.width = `${(value * 100).toFixed(1)}%`;
  $(`value-${name}`).textContent = percent(value);
}

function renderTags(tags) {
  $("tags").replaceChildren(...tags.map((tag) => {
    const chip = document.createElement("span");
    chip.className = `badge rounded-pill ${tag.kind === "group" ? "text-bg-primary" : "text-bg-secondary"}`;
    chip.textContent = `${localized(tag)} · ${percent(tag.confidence)}`;
    chip.dataset.tag = tag.tag;
    return chip;
  }));
}

// The server writes UTC; show every date in the visitor's own time zone, in one format.
function showLocalTime(element) {
  element.textContent = new Intl.DateTimeFormat(root.dataset.language, {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).format(new Date(element.dateTime));
}

function addRecent(analysis) {
  $("no-recent")?.remove();
  const column = document.createElement("div");
  column.className = "col";
  column.innerHTML = `<div class="card h-100"><img class="card-img-top recent-thumb" alt="">
    <div class="card-body p-2 small"><strong></strong><br><time class="text-body-secondary"></time></div></div>`;
  column.querySelector("img").src = analysis.image_url;
  column.querySelector("img").alt = analysis.original_name;
  column.querySelector("strong").textContent = analysis.label_display;
  const time = column.querySelector("time");
  time.dateTime = analysis.created_at;
  showLocalTime(time);
  $("recent").prepend(column);
}

let shown = null; // the analysis on screen

// "The model is wrong": the student's answer becomes a label and the picture goes to the others' queue.
async function reportWrong(value) {
  const status = $("model-wrong-status");
  try {
    const response = await fetch(root.dataset.modelWrongUrl.replace("/0/", `/${shown.id}/`), {
      method: "POST",
      body: JSON.stringify({ value }),
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json", Accept: "application/json" },
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    status.className = `small mt-1 mb-0 ${response.ok ? "text-success" : "text-danger"}`;
    status.textContent = response.ok ? strings.thanks_label : data.detail || strings.error;
  } catch {
    status.textContent = strings.error;
  }
}

function render(analysis) {
  shown = analysis;
  $("model-wrong-status").textContent = "";
  $("result-label").textContent = analysis.label_display;
  $("result-label").dataset.label = analysis.label;
  $("forced-choice-note").classList.toggle("d-none", analysis.label !== "unusual");
  setBar("cat", analysis.probabilities.cat);
  setBar("dog", analysis.probabilities.dog);
  $("gauge-fill").style.width = `${(analysis.unusual_score * 100).toFixed(1)}%`;
  $("gauge-threshold").style.left = `${(analysis.unusual_threshold * 100).toFixed(1)}%`;
  $("unusual-text").textContent = format(strings.percent_unusual, {
    score: percent(analysis.unusual_score), threshold: percent(analysis.unusual_threshold),
  });
  renderTags(analysis.tags);
  $("result-image").src = analysis.image_url;
  $("heatmap").src = analysis.explanation.heatmap_url;
  $("heatmap-caption").textContent = format(strings.heatmap_for, { what: localized(analysis.explanation.explained) });
  $("detail-model").textContent = `${analysis.model_version.name} v${analysis.model_version.version}`;
  $("detail-decode").textContent = milliseconds(analysis.timings_ms.decode);
  $("detail-inference").textContent = milliseconds(analysis.timings_ms.inference);
  $("detail-total").textContent = milliseconds(analysis.timings_ms.total);
  $("result").classList.remove("d-none");
  addRecent(analysis);
}

async function analyze(file) {
  $("error").classList.add("d-none");
  $("result").classList.add("d-none");
  if (file.type && !file.type.startsWith("image/")) {
    showError(strings.not_image);
    return;
  }
  $("preview").src = URL.createObjectURL(file);
  $("preview").classList.remove("d-none");
  $("progress").classList.remove("d-none");
  const body = new FormData();
  body.append("image", file);
  try {
    const response = await fetch(root.dataset.apiUrl, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": csrfToken(), "Accept-Language": root.dataset.language, Accept: "application/json" },
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      showError(data.detail || strings.error);
      return;
    }
    render(data);
  } catch {
    showError(strings.error);
  } finally {
    $("progress").classList.add("d-none");
  }
}

if (root) {
  document.querySelectorAll("#recent time").forEach(showLocalTime);
  const input = $("image-input");
  const dropzone = $("dropzone");
  input.addEventListener("change", () => input.files[0] && analyze(input.files[0]));
  for (const type of ["dragenter", "dragover"]) {
    dropzone.addEventListener(type, (event) => { event.preventDefault(); dropzone.classList.add("dragover"); });
  }
  for (const type of ["dragleave", "drop"]) {
    dropzone.addEventListener(type, () => dropzone.classList.remove("dragover"));
  }
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer.files[0];
    if (file) analyze(file);
  });
  document.querySelectorAll("#model-wrong [data-value]").forEach((button) => {
    button.addEventListener("click", () => reportWrong(button.dataset.value));
  });
  $("heatmap-toggle").addEventListener("change", (event) => {
    $("heatmap").classList.toggle("d-none", !event.target.checked);
  });
  const opacity = $("heatmap-opacity");
  const applyOpacity = () => { $("heatmap").style.opacity = opacity.value / 100; };
  opacity.addEventListener("input", applyOpacity);
  applyOpacity();
  root.dataset.ready = "true"; // listeners attached: tests (and impatient users) may drop a file now
}
