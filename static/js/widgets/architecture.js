// Widget "architecture": the analysis's model drawn from its own artifacts (GET /api/v1/models/{id}/architecture/):
// its groups in order (stem, blocks grouped by stage, head; or the small CNN's conv blocks and classifier), each
// layer with its type, output shape and parameter count, and the total. A layer with feature maps opens them
// for the analysis's photo (lib/inside_feature_maps.js).
import { el, format } from "../lib/dom.js";
import { number } from "../lib/format.js";
import { analysisOf, architectureOf, disclosure, insideFrame } from "../lib/inside.js";
import { featureMapPanel, shapeText, typeName } from "../lib/inside_feature_maps.js";
import { note, ready } from "../lib/widget_parts.js";

const SMALL_MODEL = 40; // layers: a model this small is shown open

/** A group's name in words: "Stem", "Block 3", "Convolution block 2", "Head", "Classifier". */
export function groupName(name, strings) {
  const match = /^([a-z_]+?)(\d+)$/.exec(name);
  if (match && strings[`group_${match[1]}`]) return format(strings[`group_${match[1]}`], { n: match[2] });
  return strings[`group_${name}`] || name;
}

const paramsText = (count, strings) => format(count === 1 ? strings.parameter : strings.parameters, { count: number(count, 0) });

// A small picture of a shape: a square as wide as the grid is (relative to the input) and a bar as long as the
// number of channels (logarithmic), so the pyramid shows: the grid shrinks while the channels grow.
function shapeIcon(shape, inputSide, maxChannels) {
  if (!shape || shape.length !== 3) return el("span", { className: "inside-shape", attrs: { "aria-hidden": "true" } });
  const side = Math.max(3, Math.round(28 * Math.sqrt(shape[0] / inputSide)));
  const bar = Math.max(2, Math.round(40 * Math.log2(1 + shape[2]) / Math.log2(1 + maxChannels)));
  return el("span", {
    className: "inside-shape", attrs: { "aria-hidden": "true" },
    children: [el("span", { className: "inside-shape-grid", attrs: { style: `width: ${side}px; height: ${side}px` } }),
      el("span", { className: "inside-shape-channels", attrs: { style: `width: ${bar}px` } })],
  });
}

// "1920 parameters (960 learnt)" when some of them (batch normalisation's running statistics) are measured, not learnt
function layerParams(layer, strings) {
  const learnt = layer.learned_params;
  const text = paramsText(layer.params, strings);
  return learnt === undefined || learnt === layer.params ? text : `${text} ${format(strings.learnt_of, { count: number(learnt, 0) })}`;
}

function layerRow(layer, strings, onOpen) {
  const words = [typeName(layer.type, strings), shapeText(layer.output_shape), layerParams(layer, strings)].join(" · ");
  const name = el("code", { className: "me-1", text: layer.name });
  if (!layer.feature_maps) {
    return el("li", { className: "inside-layer-row small", attrs: { "data-layer": layer.name }, children: [name, el("span", { className: "text-body-secondary", text: words })] });
  }
  const button = el("button", {
    className: "btn btn-link btn-sm p-0 text-start inside-layer-button",
    attrs: { type: "button", "data-layer": layer.name, title: strings.open_maps },
    children: [name, el("span", { text: words }), el("span", { className: "badge text-bg-light border ms-1", text: strings.maps_badge })],
  });
  button.addEventListener("click", () => onOpen(layer, button));
  return el("li", { className: "inside-layer-row small", children: [button] });
}

function groupBlock(group, layers, context) {
  const { strings, inputSide, maxChannels, onOpen } = context;
  const repeat = group.repeat;
  const summary = el("summary", {
    className: "small",
    children: [
      shapeIcon(group.output_shape, inputSide, maxChannels),
      el("strong", { text: groupName(group.name, strings) }),
      ` · ${shapeText(group.output_shape || [])} · ${paramsText(group.params, strings)}`,
      repeat && repeat.count > 1 && repeat.of !== group.name
        ? el("span", { className: "badge text-bg-light border ms-1", text: format(strings.repeat_of, { of: groupName(repeat.of, strings) }) })
        : "",
    ],
  });
  const details = el("details", {
    className: "inside-group", attrs: { "data-group": group.name },
    children: [summary, el("ol", { className: "list-unstyled ms-3 mb-1", children: layers.map((layer) => layerRow(layer, strings, onOpen)) })],
  });
  details.open = context.open;
  return details;
}

// A series of blocks with the same layers (EfficientNet's stages: "×3") goes into one disclosure; every other
// group (input, stem, a block of its own, head, classifier; the small CNN's blocks) stands alone.
function items(groups) {
  const out = [];
  for (const group of groups) {
    const series = group.repeat && group.repeat.count > 1 ? group.repeat.of : null;
    const last = out[out.length - 1];
    if (series && last && last.series === series) last.groups.push(group);
    else out.push({ series, groups: [group] });
  }
  return out;
}

function seriesBlock(item, byName, context) {
  const { strings } = context;
  const groups = item.groups;
  const last = groups[groups.length - 1];
  const params = groups.reduce((total, group) => total + group.params, 0);
  const summary = el("summary", {
    className: "small",
    children: [
      shapeIcon(last.output_shape, context.inputSide, context.maxChannels),
      el("strong", { text: format(strings.blocks_range, { first: groupName(groups[0].name, strings), last: groupName(last.name, strings) }) }),
      el("span", { className: "badge text-bg-primary ms-1", attrs: { title: strings.repeat_title }, text: `×${groups.length}` }),
      ` · ${shapeText(last.output_shape || [])} · ${paramsText(params, strings)}`,
    ],
  });
  const details = el("details", {
    className: "inside-series", attrs: { "data-series": item.series },
    children: [summary, el("div", { className: "ms-3", children: groups.map((group) => groupBlock(group, group.layers.map((name) => byName.get(name)).filter(Boolean), context)) })],
  });
  details.open = context.open;
  return details;
}

function diagram(architecture, strings, onOpen) {
  const byName = new Map(architecture.layers.map((layer) => [layer.name, layer]));
  const shapes = architecture.layers.map((layer) => layer.output_shape).filter((shape) => shape.length === 3);
  const context = {
    strings, onOpen, open: architecture.layers.length <= SMALL_MODEL,
    inputSide: architecture.input_shape[0], maxChannels: Math.max(1, ...shapes.map((shape) => shape[2])),
  };
  const list = items(architecture.groups).map((item) => el("li", {
    className: "mb-1",
    children: [item.groups.length > 1 ? seriesBlock(item, byName, context)
      : groupBlock(item.groups[0], item.groups[0].layers.map((name) => byName.get(name)).filter(Boolean), context)],
  }));
  return el("ol", { className: "list-unstyled mb-0 inside-diagram", children: list });
}

function header(architecture, strings) {
  const model = architecture.model;
  const learnt = architecture.learned_params;
  return [
    el("p", {
      className: "mb-1", attrs: { "data-params": String(architecture.params) },
      children: [el("strong", { text: `${model.name} v${model.version}` }), ` · ${strings[`family_${model.family}`] || model.family}`],
    }),
    el("p", {
      className: "mb-1",
      text: format(learnt === undefined || learnt === architecture.params ? strings.totals : strings.totals_learnt, {
        params: number(architecture.params, 0), learnt: number(learnt ?? 0, 0), layers: number(architecture.layers.length, 0),
        input: shapeText(architecture.input_shape),
      }),
    }),
    note(strings.diagram_note, "mb-2"),
  ];
}

export async function mount(element, context) {
  const frame = await insideFrame(element, context, (analysis) => show(analysis));
  if (!frame) return;
  const { data, status, content } = frame;
  const { strings } = context;

  async function show(analysis) {
    const architecture = await architectureOf(analysis, status, element, strings);
    if (!architecture) return;
    const panel = el("div", { className: "inside-panel", attrs: { "aria-live": "polite" }, children: [note(strings.pick_layer, "mb-0")] });
    let opened = null;
    const open = async (layer, button) => {
      opened?.classList.remove("active");
      opened = button;
      button.classList.add("active");
      if (window.matchMedia("(max-width: 991.98px)").matches) panel.scrollIntoView({ block: "start" });
      await featureMapPanel(panel, { analysis, layer, strings });
    };
    const tree = diagram(architecture, strings, open);
    const toggleAll = (state) => tree.querySelectorAll("details").forEach((details) => { details.open = state; });
    const buttons = el("div", {
      className: "d-flex gap-2 mb-2",
      children: [
        el("button", { className: "btn btn-sm btn-outline-secondary", attrs: { type: "button" }, text: strings.open_all }),
        el("button", { className: "btn btn-sm btn-outline-secondary", attrs: { type: "button" }, text: strings.close_all }),
      ],
    });
    buttons.children[0].addEventListener("click", () => toggleAll(true));
    buttons.children[1].addEventListener("click", () => toggleAll(false));
    content.replaceChildren(
      ...header(architecture, strings),
      el("div", {
        className: "row g-3",
        children: [
          el("div", { className: "col-lg-6", children: [el("div", { className: "inside-sticky", children: [buttons, el("div", { className: "inside-diagram-box", children: [tree] })] })] }),
          el("div", { className: "col-lg-6", children: [panel] }),
        ],
      }),
      disclosure(strings.first_conv_title, [note(format(strings.first_conv, {
        layer: architecture.first_conv.layer, activation: architecture.first_conv.activation_layer, input: architecture.first_conv.input_layer,
      }), "mt-1 mb-0")]),
    );
    element.dataset.model = String(architecture.model.id);
    element.dataset.state = "ready";
  }

  await show(analysisOf(data));
  ready(element);
}
