// Widget "feature-maps": one layer's feature maps for the reader's photo (option `layer`: a layer's name, or
// `auto`, a layer halfway through the network), with a menu of the other layers that have them. The panel is
// the architecture widget's (lib/inside_feature_maps.js).
import { el, format } from "../lib/dom.js";
import { analysisOf, architectureOf, insideFrame } from "../lib/inside.js";
import { featureMapPanel, shapeText, typeName } from "../lib/inside_feature_maps.js";
import { note, ready } from "../lib/widget_parts.js";

/** The layer the option names, or (auto, or a name this model lacks) the middle one of those with maps. */
export function chosenLayer(layers, option) {
  const named = layers.find((layer) => layer.name === option);
  return named || layers[Math.floor((layers.length - 1) / 2)];
}

export async function mount(element, context) {
  const frame = await insideFrame(element, context, (analysis) => show(analysis));
  if (!frame) return;
  const { data, status, content } = frame;
  const { strings } = context;
  const option = context.options.layer || "auto";

  async function show(analysis) {
    const architecture = await architectureOf(analysis, status, element, strings);
    if (!architecture) return;
    const layers = architecture.layers.filter((layer) => layer.feature_maps);
    if (!layers.length) {
      content.replaceChildren(note(strings.no_maps, "mb-0"));
      return;
    }
    let layer = chosenLayer(layers, option);
    const missing = option !== "auto" && layer.name !== option;
    const select = el("select", {
      className: "form-select form-select-sm inside-layer-select", attrs: { "aria-label": strings.layer },
      children: layers.map((item, index) => el("option", {
        attrs: { value: item.name, ...(item === layer ? { selected: "" } : {}) },
        text: `${index + 1}. ${item.name} · ${typeName(item.type, strings)} · ${shapeText(item.output_shape)}`,
      })),
    });
    const panel = el("div", { className: "inside-panel mt-2" });
    select.addEventListener("change", () => {
      layer = layers.find((item) => item.name === select.value);
      featureMapPanel(panel, { analysis, layer, strings });
    });
    content.replaceChildren(
      missing ? el("div", { className: "alert alert-warning small py-2", text: format(strings.layer_missing, { name: option }) }) : "",
      note(format(strings.layer_position, { count: layers.length, model: `${architecture.model.name} v${architecture.model.version}` }), "mb-1"),
      el("label", { className: "d-flex flex-wrap align-items-center gap-2 small", children: [el("span", { text: strings.layer }), select] }),
      panel,
    );
    await featureMapPanel(panel, { analysis, layer, strings });
  }

  await show(analysisOf(data));
  ready(element);
}
