// Widget "analyze": the reader analyses a photo with their class's active model and sees the answer, the
// cat/dog probabilities, the unusual score against its threshold and the heatmap over the photo, with the
// heatmap's faithfulness check beside it and a link to look inside the network on that photo.
import { apiFetch } from "../lib/api.js";
import { answerView } from "../lib/answer_view.js";
import { el, onDroppedFile } from "../lib/dom.js";
import { faithfulnessView } from "../lib/inside_faithfulness.js";
import { errorText, link, note, ready } from "../lib/widget_parts.js";

const ANALYSES_URL = "/api/v1/analyses/";

// The analysis as the answer view reads it (the heatmap on the scale shared by every photo).
function resultOf(analysis) {
  const explanation = analysis.explanation;
  return {
    answer: analysis.label, probabilities: analysis.probabilities,
    unusual_score: analysis.unusual_score, unusual_threshold: analysis.unusual_threshold,
    heatmap_url: explanation.heatmap_fixed_url || explanation.heatmap_url,
    grid: [explanation.grid.length, explanation.grid[0].length], fixed_scale_logits: explanation.fixed_scale_logits,
    explained: explanation.explained, against: explanation.against,
  };
}

export async function mount(element, context) {
  const { strings } = context;
  const input = el("input", { className: "visually-hidden", attrs: { type: "file", accept: "image/*", name: "image" } });
  const dropzone = el("label", {
    className: "dropzone d-block text-center p-3 rounded-3",
    children: [input, el("span", { className: "d-block fs-6", text: strings.drop }),
      el("span", { className: "d-block small text-body-secondary", text: strings.choose })],
  });
  const status = el("div", { className: "small mt-2", attrs: { role: "status", "aria-live": "polite" } });
  const result = el("div", { className: "mt-3", attrs: { "aria-live": "polite" } });

  async function analyze(file) {
    result.replaceChildren();
    if (file.type && !file.type.startsWith("image/")) {
      status.replaceChildren(el("div", { className: "alert alert-danger mb-0", text: strings.not_image }));
      return;
    }
    status.replaceChildren(el("span", { className: "spinner-border spinner-border-sm me-2", attrs: { "aria-hidden": "true" } }),
      el("span", { text: strings.analyzing }));
    element.dataset.state = "analyzing";
    const form = { image: file };
    if (context.classId) form.class = context.classId;
    try {
      const analysis = await apiFetch(ANALYSES_URL, { method: "POST", form });
      status.replaceChildren();
      const model = `${analysis.model_version.name} v${analysis.model_version.version}`;
      const faithfulness = el("div", { className: "mt-2", attrs: { "aria-live": "polite" } });
      result.replaceChildren(answerView(analysis.image_url, resultOf(analysis), strings,
        { imageAlt: analysis.original_name, modelName: model }), faithfulness,
      el("p", { className: "small mt-2 mb-0", children: [link(strings.look_inside, `/inside/?analysis=${analysis.id}`)] }));
      element.dataset.state = "answered";
      try { // two more answers of the model: what the heatmap's hottest and coldest fifths were worth
        const check = await apiFetch(`${ANALYSES_URL}${analysis.id}/faithfulness/`);
        faithfulness.replaceChildren(el("p", { className: "small fw-semibold mb-1", text: strings.faithful_title }),
          faithfulnessView(check, strings));
      } catch (error) {
        faithfulness.replaceChildren(note(errorText(error, strings)));
      }
    } catch (error) {
      status.replaceChildren(el("div", { className: "alert alert-danger mb-0", attrs: { role: "alert" }, text: errorText(error, strings) }));
      element.dataset.state = "error";
    }
  }

  input.addEventListener("change", () => input.files[0] && analyze(input.files[0]));
  onDroppedFile(dropzone, analyze);
  element.replaceChildren(dropzone, note(strings.private, "mt-2 mb-0"), status, result);
  ready(element);
}
