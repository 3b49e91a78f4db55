// Widget "cam": the class's active model on one picture of the class (a cat, a dog, one it gets wrong or a
// picture id): its answer, probabilities, unusual score and the heatmap of what pushed the answer.
import { answerView } from "../lib/answer_view.js";
import { el, format } from "../lib/dom.js";
import { loadData, note, ready } from "../lib/widget_parts.js";

function labelLine(data, strings) {
  const label = data.image.label;
  if (data.chosen === "mistake") return el("div", { className: "alert alert-warning py-2 small", text: format(strings.mistake, { label: strings[`label_${label}`] }) });
  if (!label) return note(strings.picture_unsettled);
  return note(format(strings.picture_label, { label: strings[`label_${label}`] }));
}

export async function mount(element, context) {
  const data = await loadData(element, context);
  if (data) {
    const { strings } = context;
    element.replaceChildren(
      labelLine(data, strings),
      answerView(data.image.url, data, strings, {
        imageAlt: strings.picture_alt, modelName: `${data.version.name} v${data.version.version}`,
      }),
    );
    element.dataset.answer = data.answer;
  }
  ready(element);
}
