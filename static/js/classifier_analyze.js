// Analyze page: send the chosen photo to the API and show the answer, details on demand; with the switch
// "In my browser" on, the photo is classified here instead (lib/edge.js) and never sent.
import { apiFetch } from "./lib/api.js";
import { $, el, format, onDroppedFile, readJson } from "./lib/dom.js";
import { localDateTime, localized, logits, milliseconds, percent } from "./lib/format.js";
import { faithfulnessView } from "./lib/inside_faithfulness.js";

const root = $("analyzer");
const strings = readJson("i18n-strings") || {};

function showError(message) {
  $("error").textContent = message;
  $("error").classList.remove("d-none");
}

function setBar(name, value) {
  $(`bar-${name}`).style.width = `${(value * 100).toFixed(1)}%`;
  $(`value-${name}`).textContent = percent(value);
}

// When the ImageNet network behind the tags leans elsewhere than the answer, say so (and why).
function renderTagsNote(analysis) {
  const note = $("tags-note");
  const top = analysis.tags.filter((tag) => tag.kind === "group").sort((a, b) => b.confidence - a.confidence)[0];
  note.classList.toggle("d-none", analysis.tags_agree || !top);
  if (!analysis.tags_agree && top) {
    note.textContent = format(strings.tags_disagree, {
      group: localized(top), model: `${analysis.model_version.name} v${analysis.model_version.version}`,
    });
  }
}

function renderSharing(analysis) {
  const button = $("share-button");
  if (!button) return;
  const classId = Number(root.dataset.classId);
  const shared = analysis.shared_into.includes(classId);
  button.disabled = shared;
  $("share-status").className = "small mb-2 text-success";
  $("share-status").textContent = shared ? format(strings.shared, { class: root.dataset.className }) : "";
}

async function share() {
  try {
    await apiFetch(root.dataset.shareUrl.replace("/0/", `/${shown.id}/`), {
      method: "POST", json: { class: Number(root.dataset.classId) },
    });
    shown.shared_into = [...shown.shared_into, Number(root.dataset.classId)];
    renderSharing(shown);
  } catch (error) {
    $("share-status").className = "small mb-2 text-danger";
    $("share-status").textContent = error.detail || strings.share_error;
  }
}

async function remove() {
  if (!window.confirm(strings.confirm_delete)) return;
  try {
    await apiFetch(root.dataset.detailUrl.replace("/0/", `/${shown.id}/`), { method: "DELETE" });
    document.querySelector(`#recent [data-analysis-id="${shown.id}"]`)?.remove();
    $("result").classList.add("d-none");
    $("preview").classList.add("d-none");
    $("share-status").textContent = "";
    showError(strings.deleted);
    $("error").className = "alert alert-info mt-3";
  } catch (error) {
    showError(error.detail || strings.error);
  }
}

function renderTags(tags) {
  $("tags").replaceChildren(...tags.map((tag) => el("span", {
    className: `badge rounded-pill text-wrap ${tag.kind === "group" ? "text-bg-primary" : "text-bg-secondary"}`,
    text: `${localized(tag)} · ${percent(tag.confidence)}`,
    attrs: { "data-tag": tag.tag },
  })));
}

// The server writes UTC; show every date in the visitor's own time zone, in one format.
function showLocalTime(element) {
  element.textContent = localDateTime(element.dateTime);
}

const insideUrl = (analysis) => `${root.dataset.insideUrl}?analysis=${analysis.id}`;

function addRecent(analysis) {
  $("no-recent")?.remove();
  const time = el("time", { className: "text-body-secondary", attrs: { datetime: analysis.created_at } });
  showLocalTime(time);
  const image = el("img", { className: "card-img-top recent-thumb", attrs: { src: analysis.image_url, alt: analysis.original_name } });
  const look = el("a", { className: "inside-recent-link", attrs: { href: insideUrl(analysis) }, text: $("inside-link").textContent });
  const body = el("div", {
    className: "card-body p-2 small",
    children: [el("strong", { text: analysis.label_display }), el("br"), time, el("br"), look],
  });
  $("recent").prepend(el("div", {
    className: "col", attrs: { "data-analysis-id": analysis.id },
    children: [el("div", { className: "card h-100", children: [image, body] })],
  }));
}

let shown = null; // the analysis on screen

// The heatmap's faithfulness check, asked for when its disclosure is opened (two more answers of the model).
const faithfulnessStrings = () => {
  const data = $("faithfulness").dataset;
  const keys = ["faithful_hot", "faithful_cold", "faithful_yes", "faithful_no", "measure_cat", "measure_dog", "measure_unusual", "points", "checking", "error"];
  return Object.fromEntries(keys.map((key) => [key, data[key.replace(/_(\w)/g, (_, letter) => letter.toUpperCase())]]));
};
let faithfulnessFor = null; // the analysis whose check is shown (or on its way)

async function checkFaithfulness() {
  const details = $("faithfulness");
  if (!details.open || !shown || faithfulnessFor === shown.id) return;
  const analysis = shown;
  faithfulnessFor = analysis.id;
  const words = faithfulnessStrings();
  const box = $("faithfulness-result");
  box.replaceChildren(el("span", { className: "spinner-border spinner-border-sm me-2", attrs: { "aria-hidden": "true" } }), el("span", { text: words.checking }));
  try {
    const result = await apiFetch(root.dataset.faithfulnessUrl.replace("/0/", `/${analysis.id}/`));
    if (shown !== analysis) return;
    box.replaceChildren(faithfulnessView(result, words));
  } catch (error) {
    if (shown !== analysis) return;
    faithfulnessFor = null; // opening it again asks again
    box.replaceChildren(el("div", { className: "alert alert-danger mb-0", attrs: { role: "alert" }, text: error.detail || words.error }));
  }
}

function resetFaithfulness() {
  faithfulnessFor = null;
  $("faithfulness-result").replaceChildren();
  checkFaithfulness();
}

// The heatmap on the chosen scale: the same for every photo (fixed, in logits per cell) or this photo's own.
// Analyses stored before the evidence was kept have only the per-photo map: no switch then.
function renderHeatmap(analysis) {
  const explanation = analysis.explanation;
  const hasFixed = Boolean(explanation.heatmap_fixed_url && explanation.evidence);
  $("heatmap-scale").classList.toggle("d-none", !hasFixed);
  const fixed = hasFixed && $("scale-fixed").checked;
  $("heatmap").src = fixed ? explanation.heatmap_fixed_url : explanation.heatmap_url;
  $("scale-note").textContent = fixed
    ? format(strings.scale_fixed, { full: logits(explanation.fixed_scale_logits) })
    : strings.scale_photo;
  const strongest = hasFixed ? Math.max(...explanation.evidence.flat()) : null;
  $("legend-high").textContent = fixed
    ? format(strings.legend_fixed, { value: logits(explanation.fixed_scale_logits) })
    : (strongest === null ? "" : format(strings.legend_photo, { value: logits(strongest) }));
}

function renderExplanation(analysis) {
  const explanation = analysis.explanation;
  const grid = explanation.grid;
  const names = {
    what: localized(explanation.explained),
    against: explanation.against ? localized(explanation.against) : "",
    rows: grid.length, columns: grid[0].length,
  };
  const caption = analysis.label === "unusual" ? strings.heatmap_caption_unusual : strings.heatmap_caption;
  $("heatmap-caption").textContent = format(caption, names);
  const sum = explanation.evidence ? explanation.evidence.flat().reduce((total, value) => total + value, 0) : null;
  $("detail-cam").classList.toggle("d-none", sum === null);
  if (sum !== null) $("detail-cam").textContent = format(strings.cam, { ...names, sum: logits(sum) });
  renderHeatmap(analysis);
}

// "The model is wrong": the student's answer becomes a label and the picture goes to the others' queue.
async function reportWrong(value) {
  const status = $("model-wrong-status");
  try {
    await apiFetch(root.dataset.modelWrongUrl.replace("/0/", `/${shown.id}/`), {
      method: "POST", json: { value, class: Number(root.dataset.classId) },
    });
    status.className = "small mt-1 mb-0 text-success";
    status.textContent = strings.thanks_label;
    shown.shared_into = [...new Set([...shown.shared_into, Number(root.dataset.classId)])];
    renderSharing(shown);
  } catch (error) {
    status.className = "small mt-1 mb-0 text-danger";
    status.textContent = error.detail || strings.error;
  }
}

// The answer's look, whether the server or this browser ("In my browser") gave it.
function renderAnswer(analysis) {
  shown = analysis;
  $("error").className = "alert alert-danger mt-3 d-none";
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
  renderTagsNote(analysis);
  $("result-image").src = analysis.image_url;
  renderExplanation(analysis);
  $("detail-model").textContent = `${analysis.model_version.name} v${analysis.model_version.version}`;
  $("detail-decode").textContent = milliseconds(analysis.timings_ms.decode, strings.ms);
  $("detail-inference").textContent = milliseconds(analysis.timings_ms.inference, strings.ms);
  $("detail-total").textContent = milliseconds(analysis.timings_ms.total, strings.ms);
}

// What only an analysis stored on the server has: labelling, sharing, deleting, looking inside.
const SERVER_ONLY = ["result-actions", "share-status", "model-wrong", "faithfulness"];
const showServerOnly = (visible) => SERVER_ONLY.forEach((id) => $(id)?.classList.toggle("d-none", !visible));

function render(analysis) {
  if ($("model-wrong-status")) $("model-wrong-status").textContent = "";
  renderAnswer(analysis);
  renderSharing(analysis);
  showServerOnly(true);
  $("edge-answer-note").classList.add("d-none");
  $("result").dataset.where = "server";
  $("inside-link").href = insideUrl(analysis);
  $("inside-link-more").href = insideUrl(analysis);
  $("result").classList.remove("d-none");
  resetFaithfulness();
  addRecent(analysis);
}

// --- "In my browser": the photo is classified here by the class's model (lib/edge.js) and never sent

const EDGE_SWITCH_KEY = "eduai-analyze-in-browser";
const edgeStrings = readJson("edge-strings") || {};
let inBrowser = null; // Promise<{edge, view}> once the switch was turned on

function loadScript(src) {
  if (globalThis.ort) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = el("script", { attrs: { src } });
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  });
}

function edgeStatus(text) {
  $("edge-mode-status").textContent = text;
}

// The model of the class, loaded once; the page hook window.eduaiEdge is installed with it.
function browserModel() {
  if (!inBrowser) {
    inBrowser = (async () => {
      edgeStatus(edgeStrings.edge_loading);
      await loadScript(root.dataset.ortUrl);
      const [{ createEdge }, view] = await Promise.all([import("./lib/edge.js"), import("./lib/edge_view.js")]);
      const edge = await createEdge({ modelInfoUrl: root.dataset.edgeModelInfoUrl });
      await edge.load("fp32");
      edgeStatus(`${format(edgeStrings.edge_model, { label: edge.info.version.label, precision: "FP32" })} · ${view.runtimeText(edge.runtime(), edgeStrings)}`);
      return { edge, view };
    })();
    inBrowser.catch(async (error) => {
      inBrowser = null;
      const view = await import("./lib/edge_view.js").catch(() => null);
      edgeStatus(view ? view.loadErrorMessage(error, edgeStrings) : edgeStrings.error);
    });
    const model = inBrowser;
    const ready = model.then(() => undefined);
    ready.catch(() => undefined); // the switch's status line says what went wrong
    window.eduaiEdge = {
      ready,
      classify: async (blob, { precision = "fp32" } = {}) => {
        const { edge, view } = await model;
        return view.hookResult(await edge.classify(blob, { precision }));
      },
      info: null,
      runtime: null,
    };
    model.then(({ edge }) => {
      window.eduaiEdge.info = edge.info;
      window.eduaiEdge.runtime = edge.runtime();
    }, () => undefined);
  }
  return inBrowser;
}

const answerName = (label) => (label === "unusual" ? edgeStrings.answer_unusual : edgeStrings[`label_${label}`]);

// The browser's answer in the shape of the analyses API, so it is drawn as the server's is.
function asAnalysis(result, { edge, view }, imageUrl) {
  const answer = result.answer;
  const style = edge.tables.cam;
  return {
    id: null, label: result.label, label_display: answerName(result.label),
    probabilities: result.probabilities, unusual_score: result.unusual_score, unusual_threshold: answer.unusual_threshold,
    tags: answer.tags, tags_agree: answer.tags_agree,
    model_version: { name: edge.info.version.name, version: edge.info.version.version },
    image_url: imageUrl,
    explanation: {
      explained: answer.explained, against: answer.against,
      grid: view.rows(answer.cam), evidence: view.rows(answer.evidence),
      heatmap_url: view.heatmapDataUrl(answer.cam, result.photo),
      heatmap_fixed_url: view.heatmapDataUrl(view.fixedScale(answer.evidence, style), result.photo),
      fixed_scale_logits: style.fixed_scale_logits,
    },
    timings_ms: {
      decode: result.timings.decode_ms + result.timings.resize_ms, inference: result.timings.inference_ms, total: result.ms,
    },
  };
}

async function analyzeInBrowser(file) {
  try {
    const model = await browserModel();
    const result = await model.edge.classify(file, { precision: "fp32" });
    renderAnswer(asAnalysis(result, model, URL.createObjectURL(file)));
    showServerOnly(false);
    $("edge-answer-note").textContent = edgeStrings.edge_note;
    $("edge-answer-note").classList.remove("d-none");
    $("result").dataset.where = "browser";
    $("result").classList.remove("d-none");
  } catch (error) {
    const view = await import("./lib/edge_view.js");
    showError(view.errorMessage(error, edgeStrings));
  }
}

const edgeSwitch = () => $("edge-switch");

function setInBrowser(on) {
  localStorage.setItem(EDGE_SWITCH_KEY, on ? "on" : "off");
  $("edge-mode-status").classList.toggle("d-none", !on);
  if (on) browserModel();
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
  if (edgeSwitch()?.checked) {
    await analyzeInBrowser(file);
    $("progress").classList.add("d-none");
    return;
  }
  try {
    render(await apiFetch(root.dataset.apiUrl, { method: "POST", form: { image: file } }));
  } catch (error) {
    showError(error.detail || strings.error);
  } finally {
    $("progress").classList.add("d-none");
  }
}

if (root) {
  document.querySelectorAll("#recent time").forEach(showLocalTime);
  const input = $("image-input");
  const dropzone = $("dropzone");
  input.addEventListener("change", () => input.files[0] && analyze(input.files[0]));
  onDroppedFile(dropzone, analyze);
  document.querySelectorAll("#model-wrong [data-value]").forEach((button) => {
    button.addEventListener("click", () => reportWrong(button.dataset.value));
  });
  $("share-button")?.addEventListener("click", share);
  $("delete-button").addEventListener("click", remove);
  $("faithfulness").addEventListener("toggle", checkFaithfulness);
  $("heatmap-toggle").addEventListener("change", (event) => {
    $("heatmap").classList.toggle("d-none", !event.target.checked);
  });
  document.querySelectorAll("input[name=heatmap-scale]").forEach((input) => {
    input.addEventListener("change", () => shown && renderHeatmap(shown));
  });
  const opacity = $("heatmap-opacity");
  const applyOpacity = () => { $("heatmap").style.opacity = opacity.value / 100; };
  opacity.addEventListener("input", applyOpacity);
  applyOpacity();
  if (edgeSwitch()) {
    edgeSwitch().checked = localStorage.getItem(EDGE_SWITCH_KEY) === "on";
    edgeSwitch().addEventListener("change", () => setInBrowser(edgeSwitch().checked));
    if (edgeSwitch().checked) setInBrowser(true);
  }
  root.dataset.ready = "true"; // listeners attached: tests (and impatient users) may drop a file now
}
