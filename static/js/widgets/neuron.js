// Widget "neuron": one neuron's arithmetic on real numbers, in the manner of CNN Explainer's formula view. The reader
// picks a channel of the first convolution and clicks a cell of its feature map (over the photo); the widget
// then shows, one step at a time, the input patch under the filter (as pixels and as numbers), the kernel, the
// products, their sum, the bias, the value before the activation and after it, and checks that the result is
// the value the network stored at that cell. Data: GET .../filters/ (the maps), GET .../neuron/?channel=&x=&y=.
import { apiFetch } from "../lib/api.js";
import { el, format } from "../lib/dom.js";
import { number } from "../lib/format.js";
import { analysisOf, disclosure, insideFrame, opacitySlider, photoFrame, statusLine } from "../lib/inside.js";
import { channelCanvas } from "../lib/inside_maps.js";
import { note, ready } from "../lib/widget_parts.js";

const COLOURS = ["red", "green", "blue"];
const STEPS = ["patch", "kernel", "products", "sum", "bias", "activation", "check"];
const TOLERANCE = 1e-3; // float32 sums in another order differ in the last digits

const value3 = (value) => number(value, 3);
const value4 = (value) => number(value, 4);

// The brightest cell of a channel's grey picture (its highest value): a neuron that fired.
function brightestCell(image) {
  const canvas = el("canvas", { attrs: { width: String(image.naturalWidth), height: String(image.naturalHeight) } });
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let best = 0;
  for (let index = 4; index < pixels.length; index += 4) if (pixels[index] > pixels[best]) best = index;
  return { x: (best / 4) % canvas.width, y: Math.floor(best / 4 / canvas.width) };
}

const loaded = (src) => new Promise((resolve, reject) => {
  const image = new Image();
  image.onload = () => resolve(image);
  image.onerror = reject;
  image.src = src;
});

// k x k cells of one colour of a k x k x 3 array, as a small table (cells tinted by sign when `signed`).
function matrix(values, colour, strings, { signed = false, digits = value3, title = null } = {}) {
  const channel = COLOURS.indexOf(colour);
  const top = Math.max(1e-9, ...values.flat().map((cell) => Math.abs(cell[channel] ?? 0)));
  const rows = values.map((row, i) => el("tr", {
    children: row.map((cell, j) => {
      const value = cell[channel];
      const style = signed && value !== null ? `background: rgba(${value > 0 ? "214, 51, 132" : "13, 110, 253"}, ${(0.35 * Math.abs(value) / top).toFixed(3)})` : "";
      return el("td", { attrs: { style, ...(title ? { title: title(i, j) } : {}) }, text: value === null ? "–" : digits(value) });
    }),
  }));
  return el("table", {
    className: "table table-sm table-bordered inside-matrix mb-0",
    children: [el("caption", { className: "caption-top small py-0", text: strings[`colour_${colour}`] }), el("tbody", { children: rows })],
  });
}

const matrices = (values, strings, options) => el("div", {
  className: "d-flex flex-wrap gap-2", children: COLOURS.map((colour) => matrix(values, colour, strings, options)),
});

// The patch as coloured squares, padding hatched.
function swatches(pixels, strings) {
  return el("div", {
    className: "inside-swatches", attrs: { style: `grid-template-columns: repeat(${pixels[0].length}, 1.6rem)`, role: "img", "aria-label": strings.patch_pixels },
    children: pixels.flat().map((pixel) => el("span", {
      className: pixel ? "" : "inside-padding",
      attrs: pixel ? { style: `background: rgb(${pixel.join(", ")})`, title: pixel.join(", ") } : { title: strings.padding },
    })),
  });
}

function stepsOf(answer, strings) {
  const [k1, k2] = answer.kernel_size;
  const count = k1 * k2 * 3;
  const partial = COLOURS.map((_, channel) => answer.products.flat().reduce((total, cell) => total + cell[channel], 0));
  const { scale, offset } = answer.normalisation;
  const relu6 = answer.activation === "relu6";
  const diff = Math.abs(answer.output - answer.stored);
  const match = diff <= TOLERANCE * Math.max(1, Math.abs(answer.stored));
  const padded = answer.pixels.flat().some((pixel) => pixel === null);
  return {
    match,
    steps: {
      patch: [
        note(format(strings.step_patch, { k1, k2, top: answer.window.top, left: answer.window.left, height: answer.input_shape[0], width: answer.input_shape[1] }), "mb-2"),
        swatches(answer.pixels, strings),
        padded ? note(strings.padding_note, "mt-1 mb-0") : "",
        note(format(strings.normalisation, { scale: value4(scale), offset: `${offset < 0 ? "−" : "+"} ${value4(Math.abs(offset))}` }), "mt-2 mb-1"),
        matrices(answer.patch, strings, { title: (i, j) => format(strings.pixel_to_value, { row: i, column: j }) }),
      ],
      kernel: [
        note(format(strings.step_kernel, { k1, k2, channel: answer.channel }), "mb-2"),
        matrices(answer.kernel, strings, { signed: true }),
      ],
      products: [
        note(format(strings.step_products, { count }), "mb-2"),
        matrices(answer.products, strings, { signed: true, digits: value4,
          title: (i, j) => answer.patch[i][j].map((value, c) => `${value3(value)} × ${value3(answer.kernel[i][j][c])}`).join(" · ") }),
      ],
      sum: [
        el("p", { className: "mb-1", text: format(strings.step_sum, { count, red: value4(partial[0]), green: value4(partial[1]), blue: value4(partial[2]), sum: value4(answer.sum) }) }),
      ],
      bias: [
        el("p", { className: "mb-1", text: format(strings.step_bias, { sum: value4(answer.sum), bias: value4(answer.bias), pre: value4(answer.pre_activation) }) }),
      ],
      activation: [
        el("p", { className: "mb-1", text: format(relu6 ? strings.step_relu6 : strings.step_relu, { pre: value4(answer.pre_activation), out: value4(answer.output) }) }),
        note(relu6 ? strings.relu6_note : strings.relu_note, "mb-0"),
      ],
      check: [
        el("p", {
          className: `mb-1 fw-semibold ${match ? "text-success" : "text-danger"}`, attrs: { "data-match": String(match) },
          text: format(match ? strings.check_match : strings.check_differs, { out: value4(answer.output), stored: value4(answer.stored), diff: number(diff, 7) }),
        }),
        note(strings.check_note, "mb-0"),
      ],
    },
  };
}

function batchnormNote(answer, strings) {
  const bn = answer.batchnorm;
  if (!bn || !bn.folded) return "";
  return disclosure(strings.batchnorm_title, [
    note(strings.batchnorm_note, "mt-1 mb-1"),
    note(format(strings.batchnorm_numbers, {
      gamma: value4(bn.gamma), beta: value4(bn.beta), mean: value4(bn.mean), variance: value4(bn.variance), epsilon: number(bn.epsilon, 6),
    }), "mb-0"),
  ]);
}

export async function mount(element, context) {
  const frame = await insideFrame(element, context, (analysis) => show(analysis));
  if (!frame) return;
  const { data, status, content } = frame;
  const { strings } = context;
  let setChannel = null; // set once a photo's maps are shown
  document.addEventListener("inside:channel", (event) => setChannel?.(event.detail.channel));

  async function show(analysis) {
    status.busy(strings.computing_filters);
    let filters;
    try {
      filters = await apiFetch(`${analysis.api}filters/`);
    } catch (error) {
      status.fail(error);
      element.dataset.state = "error";
      return;
    }
    status.clear();
    const holder = el("div", { className: "inside-clickable" });
    const marker = el("span", { className: "inside-marker d-none", attrs: { "aria-hidden": "true" } });
    const { frame } = photoFrame(analysis.imageUrl, strings.photo_alt, [holder]);
    frame.append(marker);
    const select = el("select", {
      className: "form-select form-select-sm inside-layer-select", attrs: { "aria-label": strings.channel },
      children: filters.filters.map((item) => el("option", { attrs: { value: String(item.index) }, text: format(strings.channel_option, { index: item.index, mean: number(item.mean, 2) }) })),
    });
    const xInput = el("input", { className: "form-control form-control-sm inside-number", attrs: { type: "number", min: "0", step: "1", "aria-label": "x" } });
    const yInput = el("input", { className: "form-control form-control-sm inside-number", attrs: { type: "number", min: "0", step: "1", "aria-label": "y" } });
    const go = el("button", { className: "btn btn-sm btn-primary", attrs: { type: "button" }, text: strings.compute });
    const strongest = el("button", { className: "btn btn-sm btn-outline-secondary", attrs: { type: "button" }, text: strings.strongest_cell });
    const work = statusLine(strings);
    const result = el("div", { className: "mt-2", attrs: { "aria-live": "polite" } });
    let size = { width: 1, height: 1 };
    let image = null;
    let channel = filters.filters[0]?.index ?? 0;
    let asked = 0;

    function place(x, y) {
      marker.style.left = `${(100 * x / size.width).toFixed(3)}%`;
      marker.style.top = `${(100 * y / size.height).toFixed(3)}%`;
      marker.style.width = `${(100 / size.width).toFixed(3)}%`;
      marker.style.height = `${(100 / size.height).toFixed(3)}%`;
      marker.classList.remove("d-none");
    }

    async function showChannel(index) {
      const item = filters.filters.find((filter) => filter.index === index);
      if (!item) return;
      channel = index;
      select.value = String(index);
      image = await loaded(item.response);
      size = { width: image.naturalWidth, height: image.naturalHeight };
      xInput.max = String(size.width - 1);
      yInput.max = String(size.height - 1);
      const layer = await channelCanvas(item.response);
      if (channel === index) holder.replaceChildren(layer);
      element.dataset.channel = String(index);
    }
    setChannel = (index) => showChannel(Number(index));

    async function compute(x, y) {
      if (!(Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < size.width && y < size.height)) {
        work.fail(format(strings.cell_range, { width: size.width - 1, height: size.height - 1 }));
        return;
      }
      xInput.value = String(x);
      yInput.value = String(y);
      place(x, y);
      const ticket = ++asked;
      work.busy(strings.computing_neuron);
      let answer;
      try {
        answer = await apiFetch(`${analysis.api}neuron/?channel=${channel}&x=${x}&y=${y}`);
      } catch (error) {
        if (ticket === asked) work.fail(error);
        return;
      }
      if (ticket !== asked) return;
      work.clear();
      showSteps(answer);
    }

    function showSteps(answer) {
      const { steps, match } = stepsOf(answer, strings);
      let shown = 1;
      const sections = STEPS.map((name, index) => el("section", {
        className: "inside-step", attrs: { "data-step": name, ...(index ? { hidden: "" } : {}) },
        children: [el("h5", { className: "h6 mb-1", text: format(strings.step_title, { n: index + 1, total: STEPS.length, name: strings[`title_${name}`] }) }), ...steps[name]],
      }));
      const next = el("button", { className: "btn btn-sm btn-primary", attrs: { type: "button", "data-action": "next" }, text: strings.next_step });
      const all = el("button", { className: "btn btn-sm btn-outline-primary", attrs: { type: "button", "data-action": "all" }, text: strings.show_all });
      const again = el("button", { className: "btn btn-sm btn-outline-secondary", attrs: { type: "button", "data-action": "again" }, text: strings.start_again });
      const counter = el("span", { className: "small text-body-secondary" });
      const update = () => {
        sections.forEach((section, index) => { section.hidden = index >= shown; });
        next.disabled = shown >= STEPS.length;
        all.disabled = shown >= STEPS.length;
        counter.textContent = format(strings.steps_shown, { shown, total: STEPS.length });
        result.dataset.step = STEPS[shown - 1];
        if (shown >= STEPS.length) result.dataset.match = String(match);
        else delete result.dataset.match;
      };
      next.addEventListener("click", () => { shown = Math.min(STEPS.length, shown + 1); update(); sections[shown - 1].scrollIntoView({ block: "nearest" }); });
      all.addEventListener("click", () => { shown = STEPS.length; update(); });
      again.addEventListener("click", () => { shown = 1; update(); });
      result.replaceChildren(
        el("p", { className: "mb-2", text: format(strings.neuron_intro, { channel: answer.channel, x: answer.x, y: answer.y, layer: answer.layer, activation: answer.activation_layer }) }),
        ...sections,
        el("div", { className: "d-flex flex-wrap align-items-center gap-2 mt-2", children: [next, all, again, counter] }),
        batchnormNote(answer, strings),
      );
      update();
      element.dataset.state = "neuron";
    }

    holder.addEventListener("click", (event) => {
      const box = holder.getBoundingClientRect();
      const x = Math.min(size.width - 1, Math.floor((event.clientX - box.left) / box.width * size.width));
      const y = Math.min(size.height - 1, Math.floor((event.clientY - box.top) / box.height * size.height));
      compute(x, y);
    });
    select.addEventListener("change", () => showChannel(Number(select.value)));
    go.addEventListener("click", () => compute(Number(xInput.value), Number(yInput.value)));
    strongest.addEventListener("click", () => {
      if (!image) return;
      const cell = brightestCell(image);
      compute(cell.x, cell.y);
    });

    content.replaceChildren(
      note(format(strings.neuron_how, { layer: filters.layer, activation: filters.activation_layer }), "mb-2"),
      el("div", {
        className: "row g-3",
        children: [
          el("div", {
            className: "col-md-5",
            children: [
              el("label", { className: "d-flex flex-wrap align-items-center gap-2 small mb-2", children: [el("span", { text: strings.channel }), select] }),
              frame,
              opacitySlider(holder, strings, 85),
              el("div", {
                className: "d-flex flex-wrap align-items-center gap-2 small mt-2",
                children: [el("span", { text: "x" }), xInput, el("span", { text: "y" }), yInput, go, strongest],
              }),
              note(strings.click_note, "mt-1 mb-0"),
            ],
          }),
          el("div", { className: "col-md-7", children: [work.element, result] }),
        ],
      }),
    );
    result.replaceChildren(note(strings.pick_cell, "mb-0"));
    const best = filters.filters.reduce((top, item) => (item.mean > top.mean ? item : top), filters.filters[0]);
    if (best) await showChannel(best.index);
    element.dataset.state = "ready";
  }

  await show(analysisOf(data));
  ready(element);
}
