// Widget "filters": the first convolution's filters as small RGB patches (upscaled, pixelated), each beside its
// response to the reader's photo (that filter's channel after the activation); one chosen filter is laid over the
// photo. Data: GET /api/v1/analyses/{id}/filters/.
import { apiFetch } from "../lib/api.js";
import { el, format } from "../lib/dom.js";
import { number } from "../lib/format.js";
import { analysisOf, insideFrame, opacitySlider, photoFrame, timingNote } from "../lib/inside.js";
import { channelCanvas, rampLegend } from "../lib/inside_maps.js";
import { note, ready } from "../lib/widget_parts.js";

function filterCard(item, strings, onChoose) {
  const card = el("button", {
    className: "btn btn-outline-secondary p-1 text-start inside-filter",
    attrs: { type: "button", "data-filter": String(item.index), "aria-pressed": "false",
      title: format(strings.filter_title, { index: item.index }) },
    children: [
      el("span", {
        className: "d-flex gap-1",
        children: [
          el("img", { className: "inside-pixelated inside-kernel", attrs: { src: item.image, alt: format(strings.kernel_alt, { index: item.index }) } }),
          el("img", { className: "inside-pixelated inside-response", attrs: { src: item.response, alt: format(strings.response_alt, { index: item.index }) } }),
        ],
      }),
      el("span", { className: "d-block small", text: format(strings.filter_n, { index: item.index }) }),
      el("span", { className: "d-block small text-body-secondary", text: format(strings.mean_short, { value: number(item.mean, 2) }) }),
    ],
  });
  card.addEventListener("click", () => onChoose(item));
  return card;
}

export async function mount(element, context) {
  const frame = await insideFrame(element, context, (analysis) => show(analysis));
  if (!frame) return;
  const { data, status, content } = frame;
  const { strings } = context;

  async function show(analysis) {
    status.busy(strings.computing_filters);
    let body;
    try {
      body = await apiFetch(`${analysis.api}filters/`);
    } catch (error) {
      status.fail(error);
      element.dataset.state = "error";
      return;
    }
    status.clear();
    const [kh, kw] = body.kernel_size;
    const holder = el("div");
    const { frame } = photoFrame(analysis.imageUrl, strings.photo_alt, [holder]);
    const chosenTitle = el("h5", { className: "h6 mb-1" });
    const chosenKernel = el("img", { className: "inside-pixelated inside-kernel-big", attrs: { alt: "" } });
    const neuronLink = el("button", { className: "btn btn-sm btn-outline-primary mt-2", attrs: { type: "button" }, text: strings.to_neuron });
    let chosen = null;
    neuronLink.addEventListener("click", () => {
      document.dispatchEvent(new CustomEvent("inside:channel", { detail: { channel: chosen.index, analysis: analysis.id } }));
      document.querySelector("[data-widget=neuron]")?.scrollIntoView({ block: "start" });
    });
    const hasNeuron = Boolean(document.querySelector("[data-widget=neuron]"));

    const cards = [];
    async function choose(item) {
      chosen = item;
      for (const card of cards) {
        const on = Number(card.dataset.filter) === item.index;
        card.classList.toggle("active", on);
        card.setAttribute("aria-pressed", String(on));
      }
      chosenTitle.textContent = format(strings.filter_n, { index: item.index });
      chosenKernel.src = item.image;
      chosenKernel.alt = format(strings.kernel_alt, { index: item.index });
      try {
        const layer = await channelCanvas(item.response);
        if (chosen === item) holder.replaceChildren(layer);
      } catch {
        status.fail(strings.error);
      }
      element.dataset.filter = String(item.index);
    }
    const sorted = el("input", { className: "form-check-input", attrs: { type: "checkbox", role: "switch" } });
    const grid = el("div", { className: "inside-filter-grid mt-2", attrs: { role: "group", "aria-label": strings.filters_title } });
    cards.push(...body.filters.map((item) => filterCard(item, strings, choose)));
    const order = () => {
      const list = sorted.checked ? [...cards].sort((a, b) => body.filters[cards.indexOf(b)].mean - body.filters[cards.indexOf(a)].mean) : cards;
      grid.replaceChildren(...list);
    };
    sorted.addEventListener("change", order);
    order();

    content.replaceChildren(
      note(format(strings.filters_intro, { count: body.filters.length, layer: body.layer, kh, kw, stride: body.stride }), "mb-1"),
      note(strings.colours_note, "mb-2"),
      el("div", {
        className: "row g-3",
        children: [
          el("div", {
            className: "col-md-7",
            children: [
              el("label", { className: "form-check form-switch small mb-0", children: [sorted, el("span", { className: "form-check-label", text: strings.sort_by_mean })] }),
              grid,
            ],
          }),
          el("div", {
            className: "col-md-5",
            children: [
              chosenTitle,
              el("div", { className: "d-flex align-items-start gap-2 mb-2", children: [chosenKernel, note(format(strings.kernel_big_note, { kh, kw }), "mb-0")] }),
              frame,
              opacitySlider(holder, strings, 60),
              rampLegend(strings.legend_low, strings.legend_high),
              hasNeuron ? neuronLink : "",
            ],
          }),
        ],
      }),
      timingNote(body.timings_ms, strings),
    );
    const strongest = body.filters.reduce((best, item) => (item.mean > best.mean ? item : best), body.filters[0]);
    if (strongest) await choose(strongest);
    element.dataset.state = "ready";
  }

  await show(analysisOf(data));
  ready(element);
}
