// The overfitting time machine, on the run page and in the lesson widget "time-machine": an epoch slider over
// a run's probe photos, each with the model's answer and heatmap after that epoch (right or wrong against its
// label), the training photos apart from the validation ones, and on the loss and accuracy charts a line at
// the chosen epoch and a dashed one at the epoch after which validation loss rises. `data` is the API's
// (training/selectors.py::time_machine); `strings` the widget's (lessons/widget_strings.py "time-machine").
import { lineChart } from "./charts.js";
import { el, format } from "./dom.js";
import { logits, percent } from "./format.js";
import { gridCanvas } from "./inside_maps.js";
import { chartBox, note } from "./widget_parts.js";

const COLOURS = { train: "#0d6efd", validation: "#dc3545", chosen: "#212529", turning: "#dc3545" };
const SPLITS = ["train", "validation"];
let count = 0; // several time machines on one page get their own ids

// Chart.js plugin: the vertical lines of charts that carry `$epochMarkers` ({ chosen, turning, turningLabel },
// epochs as on the x axis); other charts are left alone.
const markers = {
  id: "epochMarkers",
  afterDatasetsDraw(chart) {
    const marked = chart.$epochMarkers;
    if (!marked) return;
    const { ctx, chartArea: area, scales: { x } } = chart;
    const line = (epoch, colour, dash, label) => {
      const index = chart.data.labels.indexOf(epoch);
      if (epoch === null || index < 0) return;
      const position = x.getPixelForValue(index);
      ctx.save();
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.moveTo(position, area.top);
      ctx.lineTo(position, area.bottom);
      ctx.stroke();
      if (label) {
        const right = position > (area.left + area.right) / 2; // the label stays inside the chart
        ctx.fillStyle = colour;
        ctx.font = "12px system-ui, sans-serif";
        ctx.textAlign = right ? "right" : "left";
        ctx.fillText(label, position + (right ? -4 : 4), area.top + 12);
      }
      ctx.restore();
    };
    const chosen = chart.data.labels.indexOf(marked.chosen);
    if (chosen >= 0) { // a band around the chosen epoch, visible at the chart's edges too
      const step = chart.data.labels.length > 1 ? Math.abs(x.getPixelForValue(1) - x.getPixelForValue(0)) : 24;
      const width = Math.max(8, Math.min(24, step * 0.6));
      ctx.save();
      ctx.fillStyle = "rgba(33, 37, 41, 0.12)";
      ctx.fillRect(x.getPixelForValue(chosen) - width / 2, area.top, width, area.bottom - area.top);
      ctx.restore();
    }
    line(marked.turning, COLOURS.turning, [6, 4], marked.turningLabel);
    line(marked.chosen, COLOURS.chosen, [], "");
  },
};
let registered = false;

const stageName = (stage, strings) => strings[`stage_${stage}`] || stage;
const labelName = (label, strings) => strings[`label_${label}`] || label;

/** The heatmap grid to draw: on the run's scale (the same for every photo and epoch: full colour at `full` logits
 * per cell, the run's strongest cell), or scaled to the photo's own strongest cell as stored. */
function shownGrid(result, scale, full) {
  if (scale !== "run") return result.cam;
  return result.cam.map((row) => row.map((value) => Math.min(1, (value * result.strongest) / full)));
}

function ownCharts(container, data, strings) {
  const epochs = data.history.map((row) => row.epoch);
  const loss = chartBox(strings.loss_chart, "col-lg-6");
  const accuracy = chartBox(strings.accuracy_chart, "col-lg-6");
  container.append(el("div", { className: "row g-3 mb-2", children: [loss.box, accuracy.box] }));
  const values = (key, scale) => data.history.map((row) => (row[key] === null || row[key] === undefined ? null : row[key] * scale));
  const series = (key, scale = 1) => [
    { label: strings.train, values: values(key, scale), colour: COLOURS.train },
    { label: strings.validation, values: values(`val_${key}`, scale), colour: COLOURS.validation },
  ];
  return [
    lineChart(loss.canvas, { labels: epochs, series: series("loss"), xTitle: strings.epoch, yTitle: strings.loss_axis }),
    lineChart(accuracy.canvas, {
      labels: epochs, series: series("accuracy", 100), xTitle: strings.epoch, yTitle: strings.accuracy_axis, yMax: 100,
    }),
  ];
}

// What the turning epoch means, and a button to go there.
function turningNote(data, strings, goTo) {
  const turning = data.turning_epoch;
  if (turning === null || turning === undefined) return note(strings.no_turning, "mb-2");
  const index = data.epochs.findIndex((entry) => entry.epoch === turning);
  const button = el("button", {
    className: "btn btn-sm btn-outline-danger ms-2", text: format(strings.go_turning, { epoch: turning }),
    attrs: { type: "button", "data-go-turning": "" },
  });
  button.addEventListener("click", () => goTo(index));
  const words = data.curves?.overfitting ? strings.turning : `${strings.turning} ${strings.turning_noise}`;
  return el("div", {
    className: "alert alert-warning py-2 mb-2", attrs: { role: "note", "data-turning": String(turning) },
    children: [el("span", { text: format(words, { epoch: turning }) }), index >= 0 ? button : ""],
  });
}

// One probe: its photo with the heatmap over it, its label, and the model's answer at the chosen epoch.
function probeCard(probe, strings) {
  const picture = el("img", {
    // squashed to a square, as the model sees it (the whole photo, no crop), so the grid lies over it exactly
    attrs: { src: probe.url, alt: format(strings.photo_alt, { label: labelName(probe.label, strings) }),
      style: "display: block; width: 100%; aspect-ratio: 1 / 1; object-fit: fill; max-height: none" },
  });
  const frame = el("div", { className: "overlay-frame", attrs: { style: "display: block; width: 100%" }, children: [picture] });
  const answer = el("span", { attrs: { "data-answer": "" } });
  const verdict = el("span", { className: "badge" });
  const card = el("figure", {
    className: "col-6 col-md-4 col-xl-2 mb-0",
    attrs: { "data-probe": String(probe.image_id), "data-split": probe.split },
    children: [frame, el("figcaption", {
      className: "small mt-1",
      children: [el("div", { text: format(strings.label, { label: labelName(probe.label, strings) }) }),
        el("div", { className: "d-flex flex-wrap gap-1 align-items-center", children: [answer, verdict] })],
    })],
  });
  let map = null;
  return {
    card,
    /** Shows `result` ({ label, probabilities, cam, strongest }); returns whether it is right. */
    show(result, { heatmaps, scale, full }) {
      const right = result.label === probe.label;
      answer.textContent = format(strings.answer, {
        answer: labelName(result.label, strings), probability: percent(result.probabilities[result.label] ?? 0),
      });
      answer.dataset.answer = result.label;
      verdict.className = `badge ${right ? "text-bg-success" : "text-bg-danger"}`;
      verdict.textContent = `${right ? "✓" : "✗"} ${right ? strings.right : strings.wrong}`;
      card.dataset.right = String(right);
      const next = gridCanvas(shownGrid(result, scale, full));
      next.setAttribute("style", "position: absolute; inset: 0; width: 100%; height: 100%; opacity: .7; border-radius: .375rem");
      next.classList.toggle("d-none", !heatmaps);
      if (map) map.replaceWith(next); else frame.append(next);
      map = next;
      return right;
    },
    toggle(heatmaps) { map?.classList.toggle("d-none", !heatmaps); },
  };
}

/** Draws the time machine into `container` (appended). `charts`: the page's own loss and accuracy charts to
 * mark (the run page); without them it draws its own. Returns { select(index) }. */
export function mountTimeMachine(container, data, strings, { charts = null } = {}) {
  if (!registered && window.Chart) {
    window.Chart.register(markers);
    registered = true;
  }
  count += 1;
  const id = `time-machine-${count}`;
  const last = data.epochs.length - 1;
  container.append(note(strings.intro, "mb-2"));
  if (last < 0) return { select() {} }; // a run always records its first epoch; an empty record shows no slider
  if (data.hidden) container.append(note(format(strings.hidden, { count: data.hidden }), "mb-2"));
  const marked = charts || ownCharts(container, data, strings);
  for (const chart of marked) {
    chart.$epochMarkers = { chosen: null, turning: data.turning_epoch ?? null, turningLabel: strings.turning_marker };
  }

  const slider = el("input", {
    className: "form-range flex-grow-1", attrs: { type: "range", id, min: "0", max: String(last), step: "1", value: "0" },
  });
  const output = el("output", { className: "d-block fw-semibold", attrs: { for: id, "aria-live": "polite" } });
  const previous = el("button", { className: "btn btn-outline-secondary btn-sm", text: "◀", attrs: { type: "button", "aria-label": strings.previous } });
  const next = el("button", { className: "btn btn-outline-secondary btn-sm", text: "▶", attrs: { type: "button", "aria-label": strings.next } });
  const toggle = el("input", { className: "form-check-input", attrs: { type: "checkbox", role: "switch", checked: "" } });
  // One scale for the whole run by default: a weak map stays faint, so the evidence is seen to grow. Not the analyze
  // page's fixed 0.5 logits per cell: the evidence is spread over the cells, and the student CNN's 16 x 16 grid has
  // five times Lite0's 7 x 7 cells, so its maps would stay invisible.
  const answers = data.epochs.flatMap((entry) => entry.answers);
  const full = Math.max(0, ...answers.map((a) => a.strongest ?? 0));
  const scalable = full > 0 && answers.every((a) => a.strongest !== undefined);
  let scale = scalable ? "run" : "own";
  const scaleChoice = (value, text) => {
    const input = el("input", { className: "btn-check", attrs: { type: "radio", name: `${id}-scale`, id: `${id}-${value}`, value } });
    input.checked = value === scale;
    input.addEventListener("change", () => { scale = value; select(slider.value); });
    return [input, el("label", { className: "btn btn-outline-secondary btn-sm", text, attrs: { for: `${id}-${value}` } })];
  };
  const scales = scalable ? el("div", {
    className: "d-flex flex-wrap align-items-center gap-2 small mb-2",
    children: [el("span", { text: strings.scale_label, attrs: { id: `${id}-scale-label` } }), el("div", {
      className: "btn-group flex-wrap", attrs: { role: "group", "aria-labelledby": `${id}-scale-label` },
      children: [...scaleChoice("run", format(strings.scale_run, { full: logits(full) })),
        ...scaleChoice("own", strings.scale_own)],
    })],
  }) : "";
  // the slider stays in view while the photos scroll by (phones)
  container.append(el("div", {
    className: "sticky-top bg-body pt-1 pb-2 mb-1",
    children: [
      el("label", { className: "form-label mb-0", text: strings.slider, attrs: { for: id } }),
      el("div", { className: "d-flex align-items-center gap-2", children: [previous, slider, next] }),
      output,
    ],
  }));

  const cards = data.probes.map((probe) => probeCard(probe, strings));
  const scores = {};
  const goTo = (index) => { select(index); slider.focus(); };
  container.append(
    turningNote(data, strings, goTo),
    el("label", {
      className: "form-check form-switch small mb-2",
      children: [toggle, el("span", { className: "form-check-label", text: strings.show_heatmaps })],
    }),
    scales,
  );
  for (const split of SPLITS) {
    const members = cards.filter((_card, index) => data.probes[index].split === split);
    if (!members.length) continue;
    scores[split] = el("p", { className: "small text-body-secondary mb-2", attrs: { "data-score": split } });
    container.append(el("section", {
      className: "mb-3", attrs: { "data-group": split },
      children: [el("h3", { className: "h6 mb-1", text: strings[`${split}_group`] }), scores[split],
        el("div", { className: "row g-2", children: members.map((member) => member.card) })],
    }));
  }
  container.append(el("details", {
    className: "small text-body-secondary",
    children: [el("summary", { text: strings.about }), el("p", { className: "mb-1 mt-1", text: strings.scale_note }),
      el("p", { className: "mb-0", text: strings.forced_note })],
  }));

  function select(index) {
    const chosen = Math.max(0, Math.min(last, Number(index) || 0));
    const entry = data.epochs[chosen];
    const text = format(strings.epoch_of, { epoch: entry.epoch, count: data.epochs[last].epoch, stage: stageName(entry.stage, strings) });
    slider.value = String(chosen);
    slider.setAttribute("aria-valuetext", text);
    output.textContent = text;
    previous.disabled = chosen === 0;
    next.disabled = chosen === last;
    container.dataset.epoch = String(entry.epoch);
    container.dataset.scale = scale;
    for (const chart of marked) {
      chart.$epochMarkers.chosen = entry.epoch;
      chart.draw();
    }
    const right = { train: 0, validation: 0 };
    const view = { heatmaps: toggle.checked, scale, full };
    cards.forEach((card, i) => { if (card.show(entry.answers[i], view)) right[data.probes[i].split] += 1; });
    for (const [split, score] of Object.entries(scores)) {
      const total = data.probes.filter((probe) => probe.split === split).length;
      score.textContent = format(strings.group_score, { right: right[split], count: total });
    }
  }

  slider.addEventListener("input", () => select(slider.value));
  previous.addEventListener("click", () => select(Number(slider.value) - 1));
  next.addEventListener("click", () => select(Number(slider.value) + 1));
  toggle.addEventListener("change", () => cards.forEach((card) => card.toggle(toggle.checked)));
  select(0);
  return { select };
}
