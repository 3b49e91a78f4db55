// Parts the "look inside" widgets share (architecture, feature maps, filters, neuron, occlusion, sanity check):
// the analysis they look at and a chooser of the reader's recent ones, the API addresses under it, a status
// line with a spinner, and the photo with a picture laid over it (with an opacity slider).
// Their data (GET /api/v1/classes/{id}/widgets/{name}/ or embedded in the page) is
// {"analysis": {id, image_url, label, model}, "analyses": [{id, image_url, label}], "architecture_url", "api"}.
import { apiFetch } from "./api.js";
import { el, format } from "./dom.js";
import { number, percent } from "./format.js";
import { errorText, loadData, note, ready } from "./widget_parts.js";

const ANALYSIS_API = "/api/v1/analyses/";
const MODEL_API = "/api/v1/models/";

/** "gato", "perro", "inusual" in the page's language. */
export const answerWord = (label, strings) => (label === "unusual" ? strings.answer_unusual : strings[`label_${label}`] || label);

/** The analysis a widget shows, with the addresses it reads: `api` ends with "/", `architectureUrl` is its model's. */
export function analysisOf(data) {
  const analysis = data.analysis;
  return {
    id: analysis.id, imageUrl: analysis.image_url, label: analysis.label, model: analysis.model,
    api: data.api || `${ANALYSIS_API}${analysis.id}/`,
    architectureUrl: data.architecture_url || `${MODEL_API}${analysis.model}/architecture/`,
  };
}

// The analyses API's answer (GET /api/v1/analyses/{id}/), fetched once per analysis: its model version, its
// probabilities and its heatmap (the CAM the occlusion and sanity-check widgets compare with).
const details = new Map();

/** The analysis's whole record from the analyses API (cached for the page's life). */
export function analysisDetail(analysis) {
  if (!details.has(analysis.id)) {
    const request = apiFetch(`${ANALYSIS_API}${analysis.id}/`);
    request.catch(() => details.delete(analysis.id)); // asking again may work
    details.set(analysis.id, request);
  }
  return details.get(analysis.id);
}

/** True on the /inside/ page, whose own chooser at the top picks the analysis for every widget. */
const onInsidePage = (element) => Boolean(element.closest("[data-inside-page]"));

/** A row of the reader's recent photos (their own, private ones); choosing one calls
 * `onChoose(analysis)` with the same shape as analysisOf(). Nothing on the /inside/ page or with one photo. */
export function analysisChooser(element, data, strings, onChoose) {
  const recent = data.analyses || [];
  if (onInsidePage(element) || recent.length < 2) return "";
  let current = data.analysis.id;
  const buttons = recent.map((item) => {
    const word = answerWord(item.label, strings);
    const button = el("button", {
      className: `btn btn-outline-secondary p-1 inside-thumb${item.id === current ? " active" : ""}`,
      attrs: { type: "button", "aria-pressed": String(item.id === current), "data-analysis": String(item.id),
        title: format(strings.photo_answer, { answer: word }) },
      children: [el("img", { className: "rounded", attrs: { src: item.image_url, alt: format(strings.photo_answer, { answer: word }), width: "48", height: "48" } })],
    });
    button.addEventListener("click", async () => {
      if (item.id === current) return;
      current = item.id;
      for (const other of buttons) {
        other.classList.toggle("active", other === button);
        other.setAttribute("aria-pressed", String(other === button));
      }
      try {
        const model = item.model ?? (await analysisDetail(item)).model_version.id;
        if (current !== item.id) return; // another photo was chosen meanwhile
        onChoose({
          id: item.id, imageUrl: item.image_url, label: item.label, model,
          api: `${ANALYSIS_API}${item.id}/`, architectureUrl: `${MODEL_API}${model}/architecture/`,
        });
      } catch (error) {
        element.dispatchEvent(new CustomEvent("inside:error", { detail: errorText(error, strings) }));
      }
    });
    return button;
  });
  return el("div", {
    className: "mb-3",
    children: [
      el("p", { className: "small text-body-secondary mb-1", text: strings.choose_photo }),
      el("div", { className: "d-flex flex-wrap gap-1", attrs: { role: "group", "aria-label": strings.choose_photo }, children: buttons }),
    ],
  });
}

/** What every look-inside widget starts with: its data, a status line and a box for its content, under the
 * reader's photo chooser (which calls `show(analysis)`). Null once an empty state or an error is shown instead. */
export async function insideFrame(element, context, show) {
  const data = await loadData(element, context);
  if (!data) {
    ready(element);
    return null;
  }
  const status = statusLine(context.strings);
  const content = el("div");
  element.replaceChildren(analysisChooser(element, data, context.strings, (analysis) => show(analysis)), status.element, content);
  element.addEventListener("inside:error", (event) => status.fail(event.detail));
  return { data, status, content };
}

/** The analysis's model's layer table (GET /api/v1/models/{id}/architecture/); null once the status line says
 * why it could not be read. */
export async function architectureOf(analysis, status, element, strings) {
  status.busy(strings.loading_architecture);
  try {
    const architecture = await apiFetch(analysis.architectureUrl);
    status.clear();
    return architecture;
  } catch (error) {
    status.fail(error);
    element.dataset.state = "error";
    return null;
  }
}

/** A live status line: status.busy(text) shows a spinner, status.fail(error) the error, status.clear(). */
export function statusLine(strings, className = "small my-2") {
  const line = el("div", { className, attrs: { role: "status", "aria-live": "polite" } });
  return {
    element: line,
    busy(text) {
      line.replaceChildren(el("span", { className: "spinner-border spinner-border-sm me-2", attrs: { "aria-hidden": "true" } }),
        el("span", { text }));
    },
    fail(error) {
      line.replaceChildren(el("div", { className: "alert alert-danger mb-0", attrs: { role: "alert" },
        text: typeof error === "string" ? error : errorText(error, strings) }));
    },
    clear() { line.replaceChildren(); },
  };
}

/** The photo in a box of its own aspect ratio with `layers` (images or canvases) stretched over it exactly as
 * the model saw it (the whole photo squashed to its input, no crop). At most 22rem high, or as wide as its box
 * with `fill`. Returns { frame, photo }. */
export function photoFrame(imageUrl, alt, layers = [], { fill = false } = {}) {
  const photo = el("img", { className: "inside-photo", attrs: { src: imageUrl, alt } });
  for (const layer of layers) layer.classList.add("inside-layer");
  const frame = el("div", { className: `inside-frame${fill ? " inside-fill" : ""}`, children: [photo, ...layers] });
  return { frame, photo };
}

/** A labelled range input for a layer's opacity (0-100 %); returns the label element. */
export function opacitySlider(layer, strings, value = 70) {
  const input = el("input", { className: "form-range opacity-range", attrs: { type: "range", min: "0", max: "100", value: String(value), "aria-label": strings.opacity } });
  const apply = () => { layer.style.opacity = String(input.value / 100); };
  input.addEventListener("input", apply);
  apply();
  return el("label", { className: "d-flex align-items-center gap-2 small mt-2", children: [el("span", { text: strings.opacity }), input] });
}

/** A disclosure (closed by default) with `children` inside: the details students open on demand. */
export function disclosure(summary, children, { open = false, className = "mt-2" } = {}) {
  const details = el("details", { className, children: [el("summary", { className: "small", text: summary }), ...children] });
  details.open = open;
  return details;
}

/** Words for a rank correlation (Spearman's rho, -1..1) between two maps, with the number. */
export function correlationWords(rho, strings) {
  let key = "rho_none";
  if (rho >= 0.7) key = "rho_strong";
  else if (rho >= 0.4) key = "rho_moderate";
  else if (rho >= 0.15) key = "rho_weak";
  else if (rho <= -0.15) key = "rho_opposite";
  return format(strings[key], { rho: rhoText(rho) });
}

/** Spearman's rho as the page's language writes it, two decimals at most (no "-0"). */
export const rhoText = (rho) => number(Math.abs(rho) < 0.005 ? 0 : rho, 2);

/** A change of probability in percentage points, signed: -0.123 -> "−12,3 points", 0.05 -> "+5 points". */
export function pointsText(change, strings) {
  const value = number(Math.abs(change) * 100, 1);
  const sign = Math.abs(change) < 0.0005 ? "" : (change < 0 ? "−" : "+");
  return format(strings.points, { value: `${sign}${value}` });
}

/** A drop of probability in percentage points, without a sign: 0.123 -> "12,3 points". */
export const dropText = (drop, strings) => format(strings.points, { value: number(Math.abs(drop) * 100, 1) });

/** "cat 97 % · dog 3 %": the two probabilities in one line. */
export const probabilitiesText = (probabilities, strings) => `${strings.label_cat} ${percent(probabilities.cat)} · ${strings.label_dog} ${percent(probabilities.dog)}`;

/** The milliseconds the server took, as a small note ("computed in 84 ms"). */
export function timingNote(timings, strings) {
  if (!timings || timings.total === undefined) return "";
  return note(format(strings.computed_in, { value: number(timings.total, 0) }), "mb-0 mt-1");
}
