// Widget "sanity-check": can this heatmap be trusted? (Adebayo et al., "Sanity Checks for Saliency Maps", 2018.)
// A background job destroys the model's weights layer by layer from the top (cascading randomisation) and
// recomputes the heatmap (and the occlusion map) each time; the widget shows the maps side by side and how much
// each still agrees with the original (Spearman rank correlation), as a line chart and in words.
// POST .../sanity-check/ -> a job, polled like every other (lib/poller.js).
import { apiFetch } from "../lib/api.js";
import { baseOptions, chartLibrary } from "../lib/charts.js";
import { el, format } from "../lib/dom.js";
import { percent } from "../lib/format.js";
import { analysisChooser, analysisOf, photoFrame, rhoText, statusLine, timingNote } from "../lib/inside.js";
import { gridCanvas, rampLegend } from "../lib/inside_maps.js";
import { poll } from "../lib/poller.js";
import { chartBox, loadData, note, ready } from "../lib/widget_parts.js";

const POLL_MS = 700;
const FINISHED = ["succeeded", "failed", "cancelled"];
const JOB_URL = "/api/v1/jobs/";
const TRUSTED_BELOW = 0.4; // a map whose rank correlation stays above this with the top layers destroyed is suspect

// The layers a step destroyed, short: their blocks ("block15") or the layer's own name ("logits").
export function stepWhat(step) {
  const names = step.randomised.map((name) => (/^((?:block|conv)\d+|stem|head)_/.exec(name)?.[1] ?? name));
  return [...new Set(names)].join(", ");
}

function stepCaption(step, strings) {
  if (!step.randomised.length) return strings.original;
  return format(strings.randomised_caption, { n: step.step, what: stepWhat(step) });
}

const rhoOf = (value) => (value === null || value === undefined ? "–" : rhoText(value));

function stepFigure(step, imageUrl, strings) {
  const { frame } = photoFrame(imageUrl, strings.photo_alt, [gridCanvas(step.cam)], { fill: true });
  const rho = el("span", { className: "d-block fw-semibold", text: format(strings.rho_short, { rho: rhoOf(step.cam_rank_correlation) }) });
  return el("figure", {
    className: "mb-0 inside-step-figure", attrs: { "data-step": String(step.step) },
    children: [frame, el("figcaption", { className: "small mt-1", children: [el("span", { className: "d-block text-body-secondary", text: stepCaption(step, strings) }), step.step ? rho : ""] })],
  });
}

function verdict(steps, strings) {
  const last = steps[steps.length - 1];
  const rho = last.cam_rank_correlation ?? 0; // null: a flat map, nothing like the original
  const trusted = rho < TRUSTED_BELOW;
  return el("p", {
    className: `fw-semibold mb-1 ${trusted ? "text-success" : "text-danger"}`, attrs: { "data-trusted": String(trusted) },
    text: format(trusted ? strings.verdict_ok : strings.verdict_suspect, { steps: last.step, rho: rhoOf(last.cam_rank_correlation) }),
  });
}

const narrow = () => window.matchMedia("(max-width: 575.98px)").matches;

async function chart(box, canvas, steps, strings) {
  const Chart = await chartLibrary();
  const series = [{ label: strings.series_cam, values: steps.map((step) => step.cam_rank_correlation), colour: "#d63384" }];
  if (steps.some((step) => step.occlusion_rank_correlation !== null && step.occlusion_rank_correlation !== undefined)) {
    series.push({ label: strings.series_occlusion, values: steps.map((step) => step.occlusion_rank_correlation), colour: "#0d6efd" });
  }
  const options = baseOptions({ xTitle: strings.x_axis, yTitle: strings.y_axis, aspectRatio: narrow() ? 1.1 : 2, scales: { y: { min: -1, max: 1 } } });
  new Chart(canvas, {
    type: "line",
    data: {
      labels: steps.map((step) => (step.step ? `${step.step}: ${stepWhat(step)}` : strings.original_short)),
      datasets: series.map(({ label, values, colour }) => ({ label, data: values, borderColor: colour, backgroundColor: colour, tension: 0.2, pointRadius: 3 })),
    },
    options,
  });
  box.dataset.chart = "true";
}

function resultView(result, analysis, strings) {
  const steps = result.steps;
  const { canvas, box } = chartBox(strings.chart_label, "inside-chart mt-2");
  const view = el("div", {
    children: [
      verdict(steps, strings),
      el("div", { className: "inside-steps-grid mt-2", children: steps.map((step) => stepFigure(step, analysis.imageUrl, strings)) }),
      rampLegend("0", strings.legend_high),
      box,
      note(strings.chart_note, "mt-1 mb-1"),
      timingNote(result.timings_ms, strings),
    ],
  });
  chart(box, canvas, steps, strings).catch(() => box.replaceChildren(note(strings.chart_failed)));
  return view;
}

export async function mount(element, context) {
  const data = await loadData(element, context);
  if (!data) {
    ready(element);
    return;
  }
  const { strings } = context;
  const topStatus = statusLine(strings);
  const content = el("div");
  let polling = null;

  function show(analysis) {
    polling?.stop();
    const button = el("button", { className: "btn btn-primary btn-sm", attrs: { type: "button", "data-action": "sanity" }, text: strings.run });
    const bar = el("div", { className: "progress-bar", attrs: { style: "width: 0%" } });
    const progress = el("div", { className: "progress mt-2 d-none", attrs: { role: "progressbar", "aria-label": strings.progress, "aria-valuemin": "0", "aria-valuemax": "100" }, children: [bar] });
    const status = statusLine(strings);
    const waiting = el("div", { className: "alert alert-warning small mt-2 mb-0 d-none", attrs: { role: "status" }, text: strings.waiting });
    const result = el("div", { className: "mt-3", attrs: { "aria-live": "polite" } });

    button.addEventListener("click", async () => {
      polling?.stop();
      button.disabled = true;
      result.replaceChildren();
      status.busy(strings.starting);
      let job;
      try {
        job = await apiFetch(`${analysis.api}sanity-check/`, { method: "POST" });
      } catch (error) {
        status.fail(error);
        button.disabled = false;
        return;
      }
      progress.classList.remove("d-none");
      const current = poll(`${JOB_URL}${job.id}/`, {
        intervalMs: POLL_MS,
        onUpdate: (answer) => {
          waiting.classList.toggle("d-none", !answer.waiting_for_worker);
          const share = Math.max(0, Math.min(1, answer.progress || 0));
          bar.style.width = `${(share * 100).toFixed(1)}%`;
          progress.setAttribute("aria-valuenow", (share * 100).toFixed(0));
          status.busy(format(strings.running, { stage: answer.stage_display || answer.status_display || "", progress: percent(share, 0) }));
          return FINISHED.includes(answer.status);
        },
      });
      polling = current;
      try {
        const answer = await current.done;
        if (polling !== current || !answer) return;
        progress.classList.add("d-none");
        waiting.classList.add("d-none");
        if (answer.status === "succeeded") {
          status.clear();
          result.replaceChildren(resultView(answer.result, analysis, strings));
          element.dataset.sanity = "done";
        } else {
          status.fail(answer.error || strings.failed);
        }
      } catch (error) {
        if (polling === current) status.fail(error);
      } finally {
        if (polling === current) button.disabled = false;
      }
    });

    content.replaceChildren(
      note(strings.intro, "mb-1"),
      note(strings.how, "mb-2"),
      button, progress, waiting, status.element, result,
    );
  }

  element.replaceChildren(analysisChooser(element, data, strings, show), topStatus.element, content);
  element.addEventListener("inside:error", (event) => topStatus.fail(event.detail));
  show(analysisOf(data));
  ready(element);
}
