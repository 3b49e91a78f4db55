// The feature-map panel of one layer for one analysis (widgets "architecture" and "feature-maps"): the layer's
// most active channels as small pictures, every channel's mean as a bar chart, and the chosen channel laid over
// the photo with an opacity slider and its numbers. Data: GET /api/v1/analyses/{id}/layers/{name}/?top=&channel=.
import { apiFetch } from "./api.js";
import { baseOptions, chartLibrary } from "./charts.js";
import { el, format } from "./dom.js";
import { number, percent } from "./format.js";
import { channelCanvas, rampLegend } from "./inside_maps.js";
import { opacitySlider, photoFrame, statusLine, timingNote } from "./inside.js";
import { chartBox, note } from "./widget_parts.js";

const TOP = 8;
const BAR = "#6c757d";
const BAR_TOP = "#0d6efd";
const BAR_CHOSEN = "#d63384";

/** "56 × 56 × 24" (or "1280" for a vector). */
export const shapeText = (shape) => shape.map((size) => number(size, 0)).join(" × ");

/** The words for a layer's type ("convolution"), or its Keras class name when there are none. */
export const typeName = (type, strings) => strings[`type_${type}`] || type;

/** What a layer's output is, in words: "24 feature maps of 56 × 56 numbers each". */
function outputWords(shape, strings) {
  if (shape.length !== 3) return format(strings.output_vector, { count: number(shape[0], 0) });
  return format(strings.output_maps, { channels: number(shape[2], 0), height: number(shape[0], 0), width: number(shape[1], 0) });
}

function channelButton(item, strings, onChoose) {
  const button = el("button", {
    className: "btn btn-outline-secondary p-1 inside-channel",
    attrs: { type: "button", "data-channel": String(item.index), "aria-pressed": "false",
      title: format(strings.channel_stats_short, { index: item.index, mean: number(item.mean, 2), max: number(item.max, 2) }) },
    children: [
      el("img", { className: "inside-pixelated d-block w-100", attrs: { src: item.image, alt: format(strings.channel_alt, { index: item.index }) } }),
      el("span", { className: "d-block small", text: format(strings.channel_n, { index: item.index }) }),
      el("span", { className: "d-block small text-body-secondary", text: format(strings.mean_short, { value: number(item.mean, 2) }) }),
    ],
  });
  button.addEventListener("click", () => onChoose(item.index));
  return button;
}

// Every channel's mean, a bar per channel (the most active ones and the chosen one in colour); a click chooses.
async function meansChart(box, canvas, channels, topIndexes, strings, onChoose) {
  const Chart = await chartLibrary();
  const colours = (chosen) => channels.map((item) => {
    if (item.index === chosen) return BAR_CHOSEN;
    return topIndexes.has(item.index) ? BAR_TOP : BAR;
  });
  const options = baseOptions({
    xTitle: strings.channel_axis, yTitle: strings.mean_axis,
    aspectRatio: window.matchMedia("(max-width: 575.98px)").matches ? 1.4 : 2.6,
    plugins: { legend: { display: false }, tooltip: { callbacks: { title: (items) => format(strings.channel_n, { index: items[0].label }) } } },
    onClick: (_event, elements) => { if (elements.length) onChoose(channels[elements[0].index].index); },
    scales: { x: { ticks: { autoSkip: true, maxTicksLimit: 12, maxRotation: 0 } } },
  });
  const chart = new Chart(canvas, {
    type: "bar",
    data: { labels: channels.map((item) => String(item.index)), datasets: [{ label: strings.mean_axis, data: channels.map((item) => item.mean), backgroundColor: colours(null), barPercentage: 1, categoryPercentage: 1 }] },
    options,
  });
  box.dataset.chart = "true";
  return (chosen) => {
    chart.data.datasets[0].backgroundColor = colours(chosen);
    chart.update();
  };
}

/** Draws the panel of `layer` (a layer of the architecture: name, type, output_shape) for `analysis` (lib/inside.js
 * analysisOf) into `container`; resolves once its channels are shown. */
export async function featureMapPanel(container, { analysis, layer, strings }) {
  const url = `${analysis.api}layers/${encodeURIComponent(layer.name)}/`;
  const status = statusLine(strings);
  container.dataset.layer = layer.name;
  container.dataset.state = "loading";
  container.replaceChildren(
    el("h4", { className: "h6 mb-1", children: [el("code", { text: layer.name }), ` · ${typeName(layer.type, strings)}`] }),
    note(outputWords(layer.output_shape, strings), "mb-1"),
    status.element,
  );
  status.busy(strings.computing_maps);
  let body;
  try {
    body = await apiFetch(`${url}?top=${TOP}`);
  } catch (error) {
    if (container.dataset.layer === layer.name) status.fail(error);
    container.dataset.state = "error";
    return;
  }
  if (container.dataset.layer !== layer.name) return; // another layer was chosen meanwhile
  status.clear();

  const topIndexes = new Set(body.top.map((item) => item.index));
  const images = new Map(body.top.map((item) => [item.index, item]));
  const stats = new Map(body.channels.map((item) => [item.index, item]));
  const channelCount = body.shape[body.shape.length - 1];
  let recolour = () => {};
  let chosen = null;

  // the chosen channel over the photo
  const overlayHolder = el("div", { className: "inside-overlay-holder" });
  const { frame } = photoFrame(analysis.imageUrl, strings.photo_alt, [overlayHolder]);
  const numbers = el("p", { className: "small mb-1", attrs: { "data-channel-numbers": "" } });
  const overlayTitle = el("h5", { className: "h6 mt-3 mb-1" });
  const picker = el("input", { className: "form-control form-control-sm inside-number", attrs: { type: "number", min: "0", max: String(channelCount - 1), step: "1", "aria-label": strings.channel_number } });
  const pickerStatus = statusLine(strings, "small");
  const overlay = el("div", {
    className: "inside-channel-view",
    children: [
      overlayTitle,
      note(strings.overlay_note, "mb-2"),
      frame,
      opacitySlider(overlayHolder, strings, 75),
      rampLegend(strings.legend_low, strings.legend_high),
      numbers,
      el("label", { className: "d-flex align-items-center gap-2 small mt-2", children: [el("span", { text: strings.channel_number }), picker] }),
      pickerStatus.element,
    ],
  });

  const buttons = body.top.map((item) => channelButton(item, strings, (index) => choose(index)));

  async function choose(index) {
    if (!Number.isInteger(index) || index < 0 || index >= channelCount) {
      pickerStatus.fail(format(strings.channel_range, { last: channelCount - 1 }));
      return;
    }
    chosen = index;
    picker.value = String(index);
    for (const button of buttons) {
      const on = Number(button.dataset.channel) === index;
      button.classList.toggle("active", on);
      button.setAttribute("aria-pressed", String(on));
    }
    recolour(index);
    let item = images.get(index);
    if (!item) {
      pickerStatus.busy(strings.computing_channel);
      try {
        const answer = await apiFetch(`${url}?top=1&channel=${index}`);
        item = answer.channel;
        images.set(index, item);
      } catch (error) {
        if (chosen === index) pickerStatus.fail(error);
        return;
      }
    }
    if (chosen !== index) return;
    pickerStatus.clear();
    let layerCanvas;
    try {
      layerCanvas = await channelCanvas(item.image);
    } catch {
      pickerStatus.fail(strings.error);
      return;
    }
    if (chosen !== index) return;
    overlayHolder.replaceChildren(layerCanvas);
    const stat = stats.get(index) || item;
    overlayTitle.textContent = format(strings.channel_over_photo, { index });
    numbers.textContent = format(strings.channel_stats, {
      mean: number(stat.mean, 3), max: number(stat.max, 3), min: number(stat.min, 3),
      active: stat.active === undefined ? "–" : percent(stat.active),
    });
    container.dataset.channel = String(index);
    container.dataset.state = "channel";
  }
  picker.addEventListener("change", () => choose(Number(picker.value)));

  const { canvas, box } = chartBox(strings.means_chart, "inside-chart");
  container.append(
    el("h5", { className: "h6 mt-2 mb-1", text: format(strings.top_title, { count: body.top.length, total: number(channelCount, 0) }) }),
    note(strings.top_note, "mb-2"),
    el("div", { className: "inside-channel-grid", attrs: { role: "group", "aria-label": strings.top_title_short }, children: buttons }),
    overlay,
    el("h5", { className: "h6 mt-3 mb-1", text: strings.means_title }),
    note(strings.means_note, "mb-1"),
    box,
    timingNote(body.timings_ms, strings),
  );
  try {
    recolour = await meansChart(box, canvas, body.channels, topIndexes, strings, (index) => choose(index));
  } catch {
    box.replaceChildren(note(strings.chart_failed));
  }
  if (body.top.length) await choose(body.top[0].index);
  else container.dataset.state = "ready";
}
