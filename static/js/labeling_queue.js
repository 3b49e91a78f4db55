// Labeling queue: one picture at a time, keyboard first (1 cat, 2 dog, 3 neither, S skip, U undo).
import { apiFetch } from "./lib/api.js";
import { $, format, readJson } from "./lib/dom.js";
import { number, percent } from "./lib/format.js";

const root = $("queue");
const strings = readJson("i18n-strings");
const KEYS = { 1: "cat", 2: "dog", 3: "neither" };
let current = null; // the image being shown
let busy = false;

// What to tell the student when a request fails: the server's reason in the page's language, or
// ours when there is none (offline: the browser's own message would be in its language).
const messageOf = (error) => error.detail || strings.error;

function feedback(text, kind = "secondary") {
  $("feedback").className = `mt-3 alert alert-${kind}`;
  $("feedback").textContent = text;
}

function setEnabled(enabled) {
  root.querySelectorAll("[data-value], #skip-button").forEach((button) => { button.disabled = !enabled; });
}

// The analyzer's answer with the number that belongs to it: P(answer | cat or dog) for cat and dog,
// the unusual score against its threshold for neither (never a share of the three-way split, which
// only the uncertainty orders use).
function modelSentence(model) {
  const label = strings.labels[model.answer];
  if (model.answer === "neither") {
    return format(strings.model_said_unusual, {
      label, score: percent(model.unusual_score), threshold: percent(model.unusual_threshold),
    });
  }
  return format(strings.model_said, { label, percent: percent(model.confidence, 0) });
}

function show(data) {
  current = data.image;
  $("my-count").textContent = number(data.labeled_by_me, 0);
  $("suggestion").classList.add("d-none");
  if (!current) {
    root.dataset.state = "empty";
    $("queue-image").classList.add("d-none");
    $("queue-message").classList.remove("d-none");
    $("queue-message").textContent = strings.empty;
    setEnabled(false);
    return;
  }
  const image = $("queue-image");
  image.onload = () => {
    root.dataset.state = "ready";
    setEnabled(true);
  };
  image.onerror = () => { // the file is gone or unreadable: say so, and let the student skip it
    root.dataset.state = "ready";
    setEnabled(true);
    feedback(strings.unreadable, "warning");
  };
  // the same picture again (held for this student, e.g. after a failed request): it is already drawn;
  // loading it again could fire no load event, or an error for the cancelled request
  const drawn = image.complete && image.naturalWidth > 0 && image.src === new URL(current.file_url, window.location.href).href;
  image.dataset.imageId = current.id;
  if (drawn) image.onload();
  else image.src = current.file_url;
  image.classList.remove("d-none");
  $("queue-message").classList.add("d-none");
  if (data.suggestion) {
    $("suggestion").textContent = modelSentence(data.suggestion);
    $("suggestion").classList.remove("d-none");
  }
}

async function loadNext() {
  root.dataset.state = "loading";
  setEnabled(false);
  const strategy = $("strategy").value;
  try {
    show(await apiFetch(`${root.dataset.nextUrl}?strategy=${encodeURIComponent(strategy)}`));
  } catch (error) {
    $("queue-message").classList.remove("d-none");
    $("queue-message").textContent = messageOf(error);
    root.dataset.state = "error";
  }
}

// One action at a time (label, skip, undo); afterwards the picture to label now is shown, unless
// the action says there is nothing new to show (it returns false).
async function act(work) {
  if (busy) return;
  busy = true;
  let showNext = true;
  try {
    showNext = (await work()) !== false;
  } catch (error) {
    // e.g. labelled meanwhile in another tab: say why, then show the picture to label now
    feedback(messageOf(error), "danger");
  } finally {
    busy = false;
  }
  if (showNext) await loadNext();
}

function answer(value) {
  if (!current || root.dataset.state !== "ready") return;
  act(async () => {
    setEnabled(false);
    const result = await apiFetch(root.dataset.labelUrl, {
      method: "POST", json: { image: current.id, value, strategy: $("strategy").value },
    });
    let text = format(strings.saved, { label: strings.labels[value] });
    if (result.model) {
      text += ` ${modelSentence(result.model)} ${result.agrees ? strings.agrees : strings.disagrees}`;
    }
    feedback(text, "success");
  });
}

function skip() {
  if (!current || root.dataset.state !== "ready") return;
  act(async () => {
    await apiFetch(root.dataset.skipUrl, { method: "POST", json: { image: current.id } });
    feedback(strings.skipped);
  });
}

function undo() {
  act(async () => {
    try {
      await apiFetch(root.dataset.undoUrl, { method: "POST", json: { strategy: $("strategy").value } });
    } catch (error) {
      feedback(messageOf(error), "warning");
      return false;
    }
    feedback(strings.undone, "info");
  });
}

if (root) {
  root.querySelectorAll("[data-value]").forEach((button) => button.addEventListener("click", () => answer(button.dataset.value)));
  $("skip-button").addEventListener("click", skip);
  $("undo-button").addEventListener("click", undo);
  $("strategy").addEventListener("change", () => { $("strategy").blur(); loadNext(); });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.target.matches("input, select, textarea")) return;
    const key = event.key.toLowerCase();
    if (KEYS[key]) answer(KEYS[key]);
    else if (key === "s") skip();
    else if (key === "u") undo();
    else return;
    event.preventDefault();
  });
  root.dataset.ready = "true";
  loadNext();
}
