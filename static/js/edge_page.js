// /edge/: the class's model (or the global one) runs in this browser with onnxruntime-web (lib/edge.js); the photo
// never leaves the device. The page says which model runs, what it downloaded, the execution provider and its
// threads (and why they are off), installs `window.eduaiEdge` for scripts and tests, keeps itself for offline use
// (edge_sw.js) and says when the server has a newer model version than the one saved here.
import { apiFetch } from "./lib/api.js";
import { $, el, format, onDroppedFile, readJson } from "./lib/dom.js";
import { createEdge } from "./lib/edge.js";
import {
  drawHeatmap, errorMessage, fixedScale, hookResult, loadErrorMessage, runtimeText, strongest, threadsReason, threadsText,
  total,
} from "./lib/edge_view.js";
import { localized, logits, megabytes, milliseconds, percent } from "./lib/format.js";

const root = $("edge");
const strings = readJson("i18n-strings") || {};
const SAVED_KEY = `eduai-edge-info:${root?.dataset.modelInfoUrl}`; // the model info last run here, per class
const INPUT_SIZE = 224;

const state = {
  edge: null, // the edge.js object of the version that runs
  loads: {}, // precision -> {bytes, fromCache, ms}
  precision: "fp32",
  loading: null, // the precision being downloaded (for the progress bar)
  shown: null, // {result, photoUrl, precision} on screen
  queue: Promise.resolve(), // one session run at a time
  current: null, // the API's version now (when online)
};

// --- the hook: window.eduaiEdge = {ready, classify, info, runtime}

let resolveReady;
let rejectReady;
const ready = new Promise((resolve, reject) => {
  resolveReady = resolve;
  rejectReady = reject;
});
ready.catch(() => undefined); // the page shows the error itself

function serial(task) {
  const run = state.queue.then(task, task);
  state.queue = run.catch(() => undefined);
  return run;
}

async function loadPrecision(precision) {
  if (!state.loads[precision]) {
    state.loading = precision;
    showDownload(precision, null);
    state.loads[precision] = state.edge.load(precision).then((load) => {
      showLoaded(precision, load);
      return load;
    }, (error) => {
      delete state.loads[precision];
      throw error;
    });
  }
  return state.loads[precision];
}

/** Classifies a photo with the model of this precision (downloaded first if needed). */
function classifyPhoto(blob, precision) {
  return serial(async () => {
    await loadPrecision(precision);
    const result = await state.edge.classify(blob, { precision });
    showRuntime({ ...state.edge.runtime(), backend: result.backend, threads: result.threads });
    return result;
  });
}

window.eduaiEdge = {
  ready,
  classify: async (blob, { precision = "fp32" } = {}) => {
    await ready;
    return hookResult(await classifyPhoto(blob, precision));
  },
  get info() { return state.edge ? state.edge.info : null; },
  get runtime() { return state.edge ? state.edge.runtime() : null; },
};

// --- the model: which, its download, its runtime

const sizeOf = (info, precision) => info.files[precision]?.size_bytes || 0;
const versionName = (info) => info.version.label || `${info.version.name} v${info.version.version}`;

function showModel(info) {
  const whose = info.class_id === null
    ? strings.model_global
    : format(strings.model_class, { class: root.dataset.className });
  $("edge-version").textContent = format(strings.version_line, { label: versionName(info), whose });
  $("edge-version").dataset.version = String(info.version.id);
  $("edge-detail-model").textContent = versionName(info);
  $("size-fp32").textContent = megabytes(sizeOf(info, "fp32"), strings.mb);
  const int8 = $("precision-int8");
  int8.disabled = !info.files.int8;
  $("size-int8").textContent = info.files.int8 ? megabytes(sizeOf(info, "int8"), strings.mb) : "";
  $("edge-int8-reason").textContent = info.files.int8 ? "" : strings.int8_missing;
  $("edge-int8-reason").classList.toggle("d-none", Boolean(info.files.int8));
}

function showDownload(precision, progress) {
  const totalBytes = progress?.total || sizeOf(state.edge.info, precision);
  const done = progress?.loaded ?? progress?.bytes ?? 0;
  $("edge-download").classList.remove("d-none");
  const share = totalBytes ? Math.min(100, (100 * done) / totalBytes) : 0;
  $("edge-download-bar").style.width = `${share.toFixed(1)}%`;
  $("edge-download").setAttribute("aria-valuenow", share.toFixed(0));
  $("edge-download-text").textContent = format(strings.downloading, {
    precision: precision.toUpperCase(), done: megabytes(done, strings.mb), total: megabytes(totalBytes, strings.mb),
  });
}

function showLoaded(precision, load) {
  $("edge-download").classList.add("d-none");
  const size = megabytes(load.bytes || sizeOf(state.edge.info, precision), strings.mb);
  const text = $("edge-download-text");
  text.textContent = format(load.fromCache ? strings.from_cache : strings.downloaded, {
    precision: precision.toUpperCase(), size, time: milliseconds(load.ms, strings.ms),
  });
  text.dataset.fromCache = String(Boolean(load.fromCache));
  text.dataset.bytes = String(load.fromCache ? 0 : load.bytes);
}

function showRuntime(runtime) {
  const line = $("edge-runtime");
  line.textContent = runtimeText(runtime, strings);
  line.dataset.backend = runtime.backend;
  line.dataset.threads = String(runtime.threads);
  const reason = $("edge-threads-reason");
  reason.textContent = threadsReason(runtime, strings);
  reason.dataset.reason = runtime.reason || "";
}

function setStatus(message, { spinner = false } = {}) {
  $("edge-progress").classList.toggle("d-none", !message);
  $("edge-progress").querySelector(".spinner-border").classList.toggle("d-none", !spinner);
  $("edge-progress-text").textContent = message || "";
}

// --- which version: the one saved here, unless there is none (or its file is gone)

function savedInfo() {
  try {
    return JSON.parse(localStorage.getItem(SAVED_KEY));
  } catch {
    return null;
  }
}

const sameVersion = (a, b) => a.version.id === b.version.id && a.files.fp32.sha256 === b.files.fp32.sha256;
const isCached = async (info) => Boolean(globalThis.caches && await caches.match(info.files.fp32.url, { ignoreVary: true }));

/** The model info to run and the API's current one (null when offline). */
async function chooseVersion() {
  const saved = savedInfo();
  let current = null;
  try {
    current = await apiFetch(root.dataset.modelInfoUrl);
  } catch (error) {
    if (!saved) throw error;
  }
  const online = navigator.onLine && current !== null;
  if (saved && (!current || (!sameVersion(saved, current) && await isCached(saved)))) {
    return { info: saved, current: online ? current : null };
  }
  return { info: current, current: online ? current : null };
}

// A JSON answer the page already has, as a URL createEdge can read (it fetches its model info itself).
const infoUrl = (info, current) => (current && sameVersion(info, current)
  ? root.dataset.modelInfoUrl
  : URL.createObjectURL(new Blob([JSON.stringify(info)], { type: "application/json" })));

function showVersionNews(running) {
  const newer = state.current && !sameVersion(running, state.current) ? state.current : null;
  $("edge-update").classList.toggle("d-none", !newer);
  $("edge-update").dataset.version = newer ? String(newer.version.id) : "";
  if (newer) {
    $("edge-update-text").textContent = format(strings.newer, { version: versionName(newer), saved: versionName(running) });
    $("edge-update-button").textContent = strings.load_newer;
  }
  const offline = $("edge-offline");
  if (!navigator.onLine) {
    offline.textContent = format(strings.offline, { version: versionName(running) });
    offline.dataset.offline = "offline";
  }
}

// Asks the API again when the connection comes back: a teacher may have activated a newer version meanwhile.
async function checkForNewer() {
  if (!state.edge) return;
  try {
    state.current = await apiFetch(root.dataset.modelInfoUrl);
  } catch {
    return;
  }
  if (!state.offlineReady) $("edge-offline").textContent = "";
  showVersionNews(state.edge.info);
}

// --- start: the model info, the download, a first run (the cold start), the offline copy

async function openVersion(info, current) {
  const started = performance.now();
  state.loads = {};
  state.edge = await createEdge({
    modelInfoUrl: infoUrl(info, current),
    // the page's own loads say "preparing" themselves (and clear it); a load the lab starts only moves the bar
    onProgress: (progress) => {
      if (progress.stage !== "session") showDownload(progress.precision, progress);
    },
  });
  showModel(state.edge.info);
  showRuntime(state.edge.runtime());
  setStatus(format(strings.preparing, { precision: "FP32" }), { spinner: true });
  const load = await loadPrecision("fp32");
  await serial(() => state.edge.run(new Uint8Array(INPUT_SIZE * INPUT_SIZE * 3), "fp32")); // the first run is slow
  return { load, ms: performance.now() - started };
}

async function start() {
  const started = performance.now();
  root.dataset.state = "loading";
  setStatus(strings.asking, { spinner: true });
  try {
    const { info, current } = await chooseVersion();
    state.current = current;
    const { load } = await openVersion(info, current);
    const coldStartMs = performance.now() - started;
    $("edge-cold-start").textContent = format(strings.cold_start, { time: milliseconds(coldStartMs, strings.ms) });
    $("edge-cold-start").dataset.ms = String(coldStartMs);
    localStorage.setItem(SAVED_KEY, JSON.stringify(state.edge.info));
    showVersionNews(state.edge.info);
    setStatus(strings.ready);
    root.dataset.state = "ready";
    resolveReady({ precision: "fp32", coldStartMs, ...load });
    await keepForOffline();
  } catch (error) {
    setStatus("");
    root.dataset.state = "error";
    $("edge-error").textContent = navigator.onLine || savedInfo() ? loadErrorMessage(error, strings) : strings.no_model_offline;
    $("edge-error").classList.remove("d-none");
    rejectReady(error);
  }
}

async function loadNewer() {
  const newer = state.current;
  $("edge-update").classList.add("d-none");
  root.dataset.state = "loading";
  try {
    await openVersion(newer, newer);
    localStorage.setItem(SAVED_KEY, JSON.stringify(state.edge.info));
    showVersionNews(state.edge.info);
    setStatus(strings.ready);
    root.dataset.state = "ready";
    await keepForOffline();
  } catch (error) {
    root.dataset.state = "error";
    $("edge-error").textContent = loadErrorMessage(error, strings);
    $("edge-error").classList.remove("d-none");
  }
}

// --- offline: the service worker keeps the page, what it loaded and the model

async function keepForOffline() {
  const offline = $("edge-offline");
  if (!("serviceWorker" in navigator) || !window.isSecureContext) {
    offline.textContent = strings.offline_unavailable;
    offline.dataset.offline = "unavailable";
    return;
  }
  try {
    await navigator.serviceWorker.register(root.dataset.swUrl, { scope: root.dataset.scope });
    const registration = await navigator.serviceWorker.ready;
    const urls = [
      window.location.href, new URL(root.dataset.modelInfoUrl, window.location.href).href,
      ...performance.getEntriesByType("resource").map((entry) => entry.name),
      ...Object.keys(state.loads).map((precision) => new URL(state.edge.info.files[precision].url, window.location.href).href),
    ].filter((url) => url.startsWith(window.location.origin));
    const answer = await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => resolve(event.data);
      registration.active.postMessage({ type: "precache", urls }, [channel.port2]);
    });
    state.offlineReady = answer.ok;
    if (navigator.onLine) {
      offline.textContent = answer.ok ? strings.offline_ready : strings.offline_unavailable;
      offline.dataset.offline = answer.ok ? "ready" : "incomplete";
    }
  } catch {
    if (!navigator.onLine) return; // the worker registered on the first visit still serves the page
    offline.textContent = strings.offline_unavailable;
    offline.dataset.offline = "unavailable";
  }
}

// --- a photo: its answer

function setBar(name, value) {
  $(`edge-bar-${name}`).style.width = `${(value * 100).toFixed(1)}%`;
  $(`edge-value-${name}`).textContent = percent(value);
  $(`edge-value-${name}`).dataset.probability = String(value);
}

const answerName = (label) => (label === "unusual" ? strings.answer_unusual : strings[`label_${label}`] || label);

function renderTags(answer) {
  $("edge-tags").replaceChildren(...answer.tags.map((tag) => el("span", {
    className: `badge rounded-pill text-wrap ${tag.kind === "group" ? "text-bg-primary" : "text-bg-secondary"}`,
    text: `${localized(tag)} · ${percent(tag.confidence)}`,
    attrs: { "data-tag": tag.tag },
  })));
  const top = answer.tags.filter((tag) => tag.kind === "group").sort((a, b) => b.confidence - a.confidence)[0];
  const note = $("edge-tags-note");
  note.classList.toggle("d-none", answer.tags_agree || !top);
  if (!answer.tags_agree && top) {
    note.textContent = format(strings.tags_disagree, { group: localized(top), model: versionName(state.edge.info) });
  }
}

function renderHeatmap() {
  const { result } = state.shown;
  const answer = result.answer;
  const fixed = $("edge-scale-fixed").checked;
  const style = state.edge.tables.cam;
  drawHeatmap($("edge-heatmap"), fixed ? fixedScale(answer.evidence, style) : answer.cam, result.photo);
  const fullText = logits(style.fixed_scale_logits);
  $("edge-scale-note").textContent = fixed ? format(strings.scale_fixed, { full: fullText }) : strings.scale_photo;
  $("edge-legend-high").textContent = fixed
    ? format(strings.legend_fixed, { value: fullText })
    : format(strings.legend_photo, { value: logits(strongest(answer.evidence)) });
}

function render(result, photoUrl, precision) {
  const answer = result.answer;
  if (state.shown?.photoUrl && state.shown.photoUrl !== photoUrl) URL.revokeObjectURL(state.shown.photoUrl);
  state.shown = { result, photoUrl, precision };
  $("edge-label").textContent = answerName(result.label);
  $("edge-label").dataset.label = result.label;
  $("edge-time").textContent = format(strings.answered, {
    time: milliseconds(result.ms, strings.ms), precision: precision.toUpperCase(), backend: result.backend,
    threads: threadsText(result.threads, strings),
  });
  $("edge-time").dataset.ms = String(result.ms);
  $("edge-private-answer").textContent = strings.private;
  setBar("cat", result.probabilities.cat);
  setBar("dog", result.probabilities.dog);
  $("edge-gauge-fill").style.width = `${(result.unusual_score * 100).toFixed(1)}%`;
  $("edge-gauge-threshold").style.left = `${(answer.unusual_threshold * 100).toFixed(1)}%`;
  $("edge-unusual").textContent = format(strings.percent_unusual, {
    score: percent(result.unusual_score), threshold: percent(answer.unusual_threshold),
  });
  $("edge-unusual").dataset.score = String(result.unusual_score);
  renderTags(answer);
  const names = {
    what: localized(answer.explained), against: answer.against ? localized(answer.against) : "",
    rows: answer.evidence.height, columns: answer.evidence.width,
  };
  $("edge-heatmap-caption").textContent = format(result.label === "unusual" ? strings.heatmap_caption_unusual : strings.heatmap_caption, names);
  $("edge-detail-cam").textContent = format(strings.cam, { ...names, sum: logits(total(answer.evidence)) });
  $("edge-photo").src = photoUrl;
  renderHeatmap();
  $("edge-result").classList.remove("d-none");
  $("edge-result").dataset.precision = precision;
}

function showError(message) {
  $("edge-error").textContent = message;
  $("edge-error").classList.toggle("d-none", !message);
}

let chosen = null; // the photo on screen, classified again when the precision changes

async function analyze(file) {
  chosen = file;
  showError("");
  root.dataset.answer = "working";
  const precision = state.precision;
  setStatus(strings.analyzing, { spinner: true });
  try {
    await ready;
    const result = await classifyPhoto(file, precision);
    if (chosen !== file) return;
    render(result, URL.createObjectURL(file), precision);
    root.dataset.answer = "shown";
    setStatus("");
  } catch (error) {
    if (chosen !== file) return;
    chosen = null;
    setStatus("");
    $("edge-result").classList.add("d-none");
    showError(errorMessage(error, strings));
    root.dataset.answer = "error";
  }
}

async function choosePrecision(precision) {
  state.precision = precision;
  if (!state.edge) return;
  try {
    setStatus(format(strings.preparing, { precision: precision.toUpperCase() }), { spinner: true });
    await serial(() => loadPrecision(precision));
    setStatus(chosen ? "" : strings.ready);
    if (chosen) await analyze(chosen);
  } catch (error) {
    setStatus("");
    showError(loadErrorMessage(error, strings));
  }
}

// --- the lab (D2's module), mounted once the model runs

async function mountLab() {
  const box = $("edge-lab");
  if (!box) return;
  try {
    const lab = await import("./lib/edge_lab.js");
    await lab.mountLab(box, {
      edge: ready.then(() => state.edge), strings,
      testSetUrl: box.dataset.testSetUrl || null, serverAnswersUrl: box.dataset.serverAnswersUrl || null,
      deviceMeasurementsUrl: box.dataset.deviceMeasurementsUrl || null,
      classId: box.dataset.classId ? Number(box.dataset.classId) : null,
    });
  } catch (error) {
    box.replaceChildren(el("div", { className: "alert alert-danger", attrs: { role: "alert" }, text: error.detail || strings.error }));
  }
}

if (root) {
  const dropzone = $("dropzone");
  for (const input of [$("edge-input"), $("edge-camera")]) {
    input.addEventListener("change", () => {
      if (input.files[0]) analyze(input.files[0]);
      input.value = ""; // the same file chosen again is classified again
    });
  }
  onDroppedFile(dropzone, analyze);
  document.querySelectorAll("input[name=precision]").forEach((input) => {
    input.addEventListener("change", () => input.checked && choosePrecision(input.value));
  });
  document.querySelectorAll("input[name=edge-scale]").forEach((input) => {
    input.addEventListener("change", () => state.shown && renderHeatmap());
  });
  $("edge-heatmap-toggle").addEventListener("change", (event) => $("edge-heatmap").classList.toggle("d-none", !event.target.checked));
  const opacity = $("edge-heatmap-opacity");
  opacity.addEventListener("input", () => { $("edge-heatmap").style.opacity = opacity.value / 100; });
  $("edge-update-button").addEventListener("click", loadNewer);
  window.addEventListener("online", checkForNewer);
  window.addEventListener("offline", () => state.edge && showVersionNews(state.edge.info));
  start();
  mountLab();
  root.dataset.listening = "true"; // tests may choose a photo now
}
