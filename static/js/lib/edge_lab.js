// The compression lab, on the student's own device: one set of photos (the class's test split, or photos chosen
// here that never leave the browser) runs through the class's model in FP32 and in INT8 (edge.js), and is
// compared with the server's answers: agreement, top-1 flips shown as photos, the largest probability
// difference, p50 and p90 latency, bytes downloaded, cold start, execution provider and threads. The
// measurement (numbers only, never a photo) can be saved for the class, whose devices are shown in a table.
// Used by the /edge/ page (edge_page.js) and the `edge-lab` widget (widgets/edge-lab.js).
import { apiFetch } from "./api.js";
import { el, format } from "./dom.js";
import { localDateTime, megabytes, milliseconds, number, percent } from "./format.js";

const PRECISIONS = ["fp32", "int8"];
const HASH_BATCH = 100; // the server-answers API takes at most 100 hashes per request

/** The q-th quantile (0..1) of `values`, interpolated between the two nearest ranks (numpy's default). */
export function quantile(values, q) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/** The sha256 of a blob's bytes in hex, or null where the browser offers no crypto.subtle (not a secure page). */
async function sha256Of(blob) {
  if (!globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

const word = (label, strings) => strings[`lab_label_${label}`] || label;

/** What the numbers of one run say: per precision, agreement with the server and with FP32, latency, bytes. */
export function summarise(items, precisions) {
  const done = items.filter((item) => precisions.every((precision) => item.results[precision]));
  const known = done.filter((item) => item.server);
  const summary = { images: done.length, known: known.length, precisions: {} };
  for (const precision of precisions) {
    const times = done.map((item) => item.results[precision].ms);
    const diffs = known.map((item) => Math.abs(item.results[precision].probabilities.cat - item.server.probabilities.cat));
    summary.precisions[precision] = {
      p50: quantile(times, 0.5),
      p90: quantile(times, 0.9),
      agreement: known.length ? known.filter((item) => item.results[precision].label === item.server.label).length / known.length : null,
      agreeing: known.filter((item) => item.results[precision].label === item.server.label).length,
      maxDiff: diffs.length ? Math.max(...diffs) : null,
    };
  }
  if (precisions.includes("int8") && done.length) {
    const same = done.filter((item) => item.results.int8.label === item.results.fp32.label).length;
    summary.int8VsFp32 = {
      agreement: same / done.length,
      agreeing: same,
      maxDiff: Math.max(...done.map((item) => Math.abs(item.results.int8.probabilities.cat - item.results.fp32.probabilities.cat))),
    };
  }
  summary.flips = done.filter((item) => {
    const answers = precisions.map((precision) => item.results[precision].label);
    if (item.server) answers.push(item.server.label);
    return new Set(answers).size > 1;
  });
  return summary;
}

/** The body of POST .../device-measurements/ for a finished run (numbers only). */
export function measurementBody({ device, info, source, summary, loads, coldStartMs, ran }) {
  const part = (precision) => {
    const numbers = summary.precisions[precision];
    if (!numbers) return null;
    return {
      p50_ms: Number(numbers.p50.toFixed(3)),
      p90_ms: Number(Math.max(numbers.p90, numbers.p50).toFixed(3)),
      bytes: Math.round(loads[precision]?.downloaded ?? 0), // fetched from the network this time (0 from the cache)
      agreement: numbers.agreement,
      max_probability_diff: numbers.maxDiff === null ? null : Math.min(1, numbers.maxDiff),
    };
  };
  return {
    device,
    model_version: info.version.id,
    source,
    images: summary.images,
    backend: ran.backend,
    threads: ran.threads,
    cross_origin_isolated: Boolean(ran.isolated),
    cold_start_ms: coldStartMs === null ? null : Number(coldStartMs.toFixed(1)),
    fp32: part("fp32"),
    int8: part("int8"),
    user_agent: navigator.userAgent.slice(0, 400),
  };
}

function progressBar(strings) {
  const bar = el("div", { className: "progress-bar", attrs: { style: "width: 0%" } });
  const box = el("div", {
    className: "progress my-2", attrs: { role: "progressbar", "aria-label": strings.lab_progress_label, "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" },
    children: [bar],
  });
  const text = el("p", { className: "small text-body-secondary mb-1", attrs: { "aria-live": "polite", "data-lab-progress": "" } });
  return {
    element: el("div", { attrs: { hidden: "" }, children: [box, text] }),
    show(done, total, message) {
      this.element.hidden = false;
      const share = total ? Math.round((done / total) * 100) : 0;
      bar.style.width = `${share}%`;
      box.setAttribute("aria-valuenow", String(share));
      text.textContent = message;
    },
    hide() { this.element.hidden = true; },
  };
}

const alertBox = (text, style = "warning", attrs = {}) => el("div", { className: `alert alert-${style} small py-2 mb-2`, attrs: { role: style === "danger" ? "alert" : "status", ...attrs }, text });

// --- the set of photos

/** The class's test split: its photos fetched here (as the browser would download any photo). */
async function testSetItems(testSetUrl, info, strings, onStep, stopped) {
  const set = await apiFetch(testSetUrl);
  const items = [];
  const warnings = [];
  if (set.version && info.version && set.version.id !== info.version.id) {
    warnings.push(format(strings.lab_other_version, { server: set.version.label, browser: info.version.label }));
  }
  if (set.source === "labelled") warnings.push(strings.lab_source_labelled);
  for (const [index, image] of set.images.entries()) {
    if (stopped()) break;
    onStep(index, set.images.length);
    const response = await fetch(image.url, { credentials: "same-origin" });
    if (!response.ok) continue;
    const blob = await response.blob();
    items.push({ name: `#${image.image_id}`, blob, sha256: image.sha256, label: image.label, server: image.server, results: {} });
  }
  return { items, warnings };
}

/** Photos chosen in the browser: their hashes ask the server for the answers it already has (no photo is sent). */
async function ownItems(files, { serverAnswersUrl, info, strings }) {
  const items = [...files].map((file) => ({ name: file.name, blob: file, sha256: null, label: null, server: null, results: {} }));
  const warnings = [];
  for (const item of items) item.sha256 = await sha256Of(item.blob);
  const hashes = [...new Set(items.map((item) => item.sha256).filter(Boolean))];
  if (items.length && !hashes.length) warnings.push(strings.lab_no_hash);
  const answers = new Map();
  if (serverAnswersUrl && hashes.length) {
    try {
      for (let start = 0; start < hashes.length; start += HASH_BATCH) {
        const found = await apiFetch(serverAnswersUrl, { method: "POST", json: { version: info.version.id, sha256: hashes.slice(start, start + HASH_BATCH) } });
        for (const answer of found.answers) answers.set(answer.sha256, answer);
      }
    } catch (error) {
      warnings.push(format(strings.lab_server_answers_failed, { message: error.detail || strings.lab_error }));
    }
  }
  for (const item of items) item.server = answers.get(item.sha256) || null;
  const unknown = items.filter((item) => !item.server).length;
  if (unknown) warnings.push(format(unknown === items.length ? strings.lab_unknown_all : strings.lab_unknown_some, { count: unknown, total: items.length }));
  return { items, warnings };
}

// --- results

function answerCell(result, strings) {
  if (!result) return el("td", { text: "—" });
  return el("td", { className: "text-nowrap", text: `${word(result.label, strings)} · ${format(strings.lab_p_cat, { value: percent(result.probabilities.cat, 1) })}` });
}

function summaryTable(summary, { precisions, loads, strings }) {
  const row = (name, cells, attrs = {}) => el("tr", { attrs, children: [el("th", { className: "fw-normal", text: name }), ...cells] });
  const agreementText = (numbers, total) => (numbers.agreement === null ? strings.lab_no_server
    : format(strings.lab_agreement_value, { value: percent(numbers.agreement, 1), agreeing: numbers.agreeing, total }));
  const diffText = (value) => (value === null ? "—" : format(strings.lab_points, { value: number(value * 100, 3) }));
  const cells = (render, attr) => precisions.map((precision) => el("td", {
    className: "text-end text-nowrap",
    attrs: { [`data-${attr}`]: precision, ...(attr === "agreement" ? { "data-agreeing": String(numbers(precision).agreeing), "data-known": String(summary.known) } : {}) },
    text: render(precision),
  }));
  const numbers = (precision) => summary.precisions[precision];
  const loadText = (precision) => {
    const load = loads[precision];
    if (!load) return "—";
    return load.fromCache ? format(strings.lab_bytes_cached, { size: megabytes(load.bytes) })
      : format(strings.lab_bytes_downloaded, { size: megabytes(load.bytes) });
  };
  const rows = [
    row(strings.lab_agreement_server, cells((p) => agreementText(numbers(p), summary.known), "agreement")),
    row(strings.lab_max_diff_server, cells((p) => diffText(numbers(p).maxDiff), "max-diff")),
    row(strings.lab_p50, cells((p) => milliseconds(numbers(p).p50, strings.lab_ms), "p50")),
    row(strings.lab_p90, cells((p) => milliseconds(numbers(p).p90, strings.lab_ms), "p90")),
    row(strings.lab_bytes, cells(loadText, "bytes")),
  ];
  if (summary.int8VsFp32) {
    rows.push(row(strings.lab_int8_vs_fp32, [
      el("td", { className: "text-end text-nowrap", text: "" }),
      el("td", { className: "text-end text-nowrap", attrs: { "data-int8-vs-fp32": String(summary.int8VsFp32.agreement) },
        text: `${format(strings.lab_agreement_value, { value: percent(summary.int8VsFp32.agreement, 1), agreeing: summary.int8VsFp32.agreeing, total: summary.images })} · ${diffText(summary.int8VsFp32.maxDiff)}` }),
    ]));
  }
  return el("div", {
    className: "table-responsive",
    children: [el("table", {
      className: "table table-sm w-auto mb-2 edge-lab-summary",
      children: [
        el("thead", { children: [el("tr", { children: [el("th", { text: "" }), ...precisions.map((precision) => el("th", { className: "text-end", text: strings[`lab_${precision}`] }))] })] }),
        el("tbody", { children: rows }),
      ],
    })],
  });
}

function flipsView(summary, { precisions, strings }) {
  if (!summary.flips.length) return el("p", { className: "small mb-2", attrs: { "data-flips": "0" }, text: strings.lab_no_flips });
  const figures = summary.flips.map((item) => {
    const url = item.thumbUrl ||= URL.createObjectURL(item.blob);
    const lines = [];
    if (item.server) lines.push(format(strings.lab_flip_server, { answer: word(item.server.label, strings) }));
    for (const precision of precisions) lines.push(format(strings[`lab_flip_${precision}`], { answer: word(item.results[precision].label, strings), cat: percent(item.results[precision].probabilities.cat, 1) }));
    return el("figure", {
      className: "edge-lab-flip m-0", attrs: { "data-flip": item.sha256 || item.name },
      children: [
        el("img", { className: "rounded", attrs: { src: url, alt: item.name, width: "112", height: "112", style: "object-fit: cover" } }),
        el("figcaption", { className: "small", children: lines.map((line) => el("div", { text: line })) }),
      ],
    });
  });
  return el("div", {
    children: [
      el("p", { className: "small fw-semibold mb-1", attrs: { "data-flips": String(summary.flips.length) }, text: format(strings.lab_flips, { count: summary.flips.length }) }),
      el("div", { className: "d-flex flex-wrap gap-3 mb-2", children: figures }),
    ],
  });
}

function runtimeNote({ ran, coldStartMs, strings }) {
  const parts = [format(strings.lab_provider, { backend: ran.backend }), (ran.threads === 1 ? strings.lab_threads_one : format(strings.lab_threads_many, { count: ran.threads }))];
  if (ran.reason) parts.push(strings[`lab_reason_${ran.reason}`] || ran.reason);
  if (coldStartMs !== null) parts.push(format(strings.lab_cold_start, { value: milliseconds(coldStartMs) }));
  return el("p", { className: "small mb-2", attrs: { "data-runtime": ran.backend, "data-threads": String(ran.threads) }, text: parts.join(" · ") });
}

// --- the class's devices

const TABLE_COLUMNS = [
  { key: "device", value: (row) => row.device.toLowerCase() },
  { key: "version", value: (row) => row.version_label || "" },
  { key: "images", value: (row) => row.images },
  { key: "fp32", value: (row) => row.fp32?.p50_ms ?? Infinity },
  { key: "int8", value: (row) => row.int8?.p50_ms ?? Infinity },
  { key: "speedup", value: (row) => speedup(row) ?? -Infinity },
  { key: "threads", value: (row) => row.threads },
  { key: "isolated", value: (row) => (row.cross_origin_isolated ? 1 : 0) },
  { key: "created", value: (row) => row.created },
];

const speedup = (row) => (row.fp32?.p50_ms && row.int8?.p50_ms ? row.fp32.p50_ms / row.int8.p50_ms : null);

function deviceTable(url, strings) {
  const body = el("tbody");
  const status = el("p", { className: "small text-body-secondary mb-1", attrs: { "aria-live": "polite" } });
  let rows = [];
  let sort = { key: "created", direction: -1 };
  const headers = TABLE_COLUMNS.map((column) => {
    const button = el("button", { className: "btn btn-link btn-sm p-0 text-nowrap", attrs: { type: "button", "data-sort": column.key }, text: strings[`lab_col_${column.key}`] });
    button.addEventListener("click", () => {
      sort = { key: column.key, direction: sort.key === column.key ? -sort.direction : 1 };
      draw();
    });
    return el("th", { className: "text-nowrap", attrs: { scope: "col", "aria-sort": "none" }, children: [button] });
  });
  const authorHeader = el("th", { attrs: { scope: "col", hidden: "" }, text: strings.lab_col_author });
  const table = el("table", {
    className: "table table-sm table-hover mb-0 edge-lab-devices",
    children: [el("thead", { children: [el("tr", { children: [...headers, authorHeader] })] }), body],
  });

  function draw() {
    const column = TABLE_COLUMNS.find((each) => each.key === sort.key);
    headers.forEach((header, index) => header.setAttribute("aria-sort", TABLE_COLUMNS[index].key === sort.key ? (sort.direction > 0 ? "ascending" : "descending") : "none"));
    const sorted = [...rows].sort((a, b) => {
      const [x, y] = [column.value(a), column.value(b)];
      return (x < y ? -1 : x > y ? 1 : 0) * sort.direction;
    });
    const authors = rows.some((row) => row.author);
    authorHeader.hidden = !authors;
    body.replaceChildren(...sorted.map((row) => {
      const ratio = speedup(row);
      const cells = [
        el("td", { children: [el("span", { text: row.device }), ...(row.mine ? [" ", el("span", { className: "badge text-bg-primary", attrs: { "data-mine": "" }, text: strings.lab_you })] : [])] }),
        el("td", { className: "small", text: row.version_label || "" }),
        el("td", { className: "text-end", text: format(row.source === "own_photos" ? strings.lab_images_own : strings.lab_images_test, { count: row.images }) }),
        el("td", { className: "text-end text-nowrap", text: row.fp32 ? milliseconds(row.fp32.p50_ms, strings.lab_ms) : "—" }),
        el("td", { className: "text-end text-nowrap", text: row.int8 ? milliseconds(row.int8.p50_ms, strings.lab_ms) : "—" }),
        el("td", { className: "text-end text-nowrap", text: ratio === null ? "—" : format(strings.lab_times, { value: number(ratio, 2) }) }),
        el("td", { className: "text-end", text: String(row.threads) }),
        el("td", { text: row.cross_origin_isolated ? strings.lab_yes : strings.lab_no }),
        el("td", { className: "small text-nowrap", text: localDateTime(row.created) }),
      ];
      if (authors) cells.push(el("td", { className: "small", text: row.author || "" }));
      return el("tr", { attrs: { "data-measurement": String(row.id), ...(row.mine ? { "data-mine-row": "" } : {}) }, children: cells });
    }));
    status.textContent = rows.length ? "" : strings.lab_no_devices;
  }

  async function load() {
    try {
      rows = (await apiFetch(url)).results;
      draw();
    } catch (error) {
      status.textContent = error.detail || strings.lab_error;
    }
  }

  return {
    element: el("section", {
      className: "mt-3", attrs: { "data-lab-part": "devices" },
      children: [
        el("h3", { className: "h6", text: strings.lab_devices_title }),
        el("p", { className: "small text-body-secondary mb-2", text: strings.lab_devices_note }),
        status,
        el("div", { className: "table-responsive", children: [table] }),
      ],
    }),
    load,
  };
}

// --- the lab

/** Draws the lab inside `root`. `edge` is an edge.js object (or a promise of one). */
export async function mountLab(root, { edge, strings, testSetUrl = null, serverAnswersUrl = null, deviceMeasurementsUrl = null, classId = null }) {
  const s = strings;
  root.dataset.lab = "loading";
  const status = el("div", { attrs: { "aria-live": "polite" } });
  root.replaceChildren(el("p", { className: "small text-body-secondary", text: s.lab_loading }), status);
  let engine;
  try {
    engine = await edge;
  } catch (error) {
    root.replaceChildren(alertBox(error.detail || error.message || s.lab_error, "danger"));
    root.dataset.lab = "error";
    return null;
  }
  const info = engine.info;
  const precisions = PRECISIONS.filter((precision) => precision === "fp32" || info.files.int8);
  const name = `edge-lab-source-${Math.random().toString(36).slice(2)}`;
  const radio = (value, enabled) => el("input", { className: "form-check-input", attrs: { type: "radio", name, value, ...(enabled ? {} : { disabled: "" }) } });
  const testRadio = radio("test_split", Boolean(testSetUrl));
  const ownRadio = radio("own_photos", true);
  (testSetUrl ? testRadio : ownRadio).checked = true;
  const files = el("input", { className: "form-control form-control-sm mt-1", attrs: { type: "file", accept: "image/*", multiple: "", "aria-label": s.lab_choose_photos, "data-lab-files": "" } });
  const run = el("button", { className: "btn btn-primary btn-sm", attrs: { type: "button", "data-action": "lab-run" }, text: s.lab_run });
  const stop = el("button", { className: "btn btn-outline-secondary btn-sm", attrs: { type: "button", "data-action": "lab-stop", hidden: "" }, text: s.lab_stop });
  const progress = progressBar(s);
  const notes = el("div");
  const results = el("div", { attrs: { "data-lab-part": "results" } });
  const save = el("div", { attrs: { "data-lab-part": "save" } });
  const devices = deviceMeasurementsUrl ? deviceTable(deviceMeasurementsUrl, s) : null;

  const sourceChoice = el("fieldset", {
    className: "mb-2",
    children: [
      el("legend", { className: "small fw-semibold mb-1 float-none w-auto", text: s.lab_source }),
      el("label", { className: "form-check mb-1", children: [testRadio, el("span", { className: "form-check-label", text: s.lab_source_test })] }),
      testSetUrl ? "" : el("p", { className: "small text-body-secondary ms-4 mb-1", text: s.lab_no_class_test }),
      el("label", { className: "form-check mb-0", children: [ownRadio, el("span", { className: "form-check-label", text: s.lab_source_own })] }),
      el("div", { className: "ms-4", children: [files, el("p", { className: "small text-body-secondary mb-0 mt-1", text: s.lab_own_note })] }),
    ],
  });
  const intro = [
    el("p", { className: "small mb-2", text: s.lab_intro }),
    precisions.includes("int8") ? "" : alertBox(s.lab_no_int8, "info", { "data-no-int8": "" }),
    classId ? "" : alertBox(s.lab_no_class, "info", { "data-no-class": "" }),
  ];
  root.replaceChildren(...intro, sourceChoice, el("div", { className: "d-flex gap-2", children: [run, stop] }), progress.element, notes, results, save, devices ? devices.element : "");
  root.dataset.lab = "ready";
  if (devices) devices.load();

  let stopped = false;
  let previous = [];
  stop.addEventListener("click", () => {
    stopped = true;
    stop.disabled = true;
  });

  run.addEventListener("click", async () => {
    const source = testRadio.checked ? "test_split" : "own_photos";
    if (source === "own_photos" && !files.files.length) {
      notes.replaceChildren(alertBox(s.lab_choose_first));
      return;
    }
    for (const item of previous) if (item.thumbUrl) URL.revokeObjectURL(item.thumbUrl);
    stopped = false;
    run.disabled = true;
    stop.hidden = false;
    stop.disabled = false;
    notes.replaceChildren();
    results.replaceChildren();
    save.replaceChildren();
    root.dataset.lab = "running";
    try {
      const loads = {};
      progress.show(0, 1, s.lab_loading_model);
      for (const precision of precisions) loads[precision] = await engine.load(precision);
      const gathered = source === "test_split"
        ? await testSetItems(testSetUrl, info, s, (index, total) => progress.show(index, total, format(s.lab_fetching, { done: index, total })), () => stopped)
        : await ownItems(files.files, { serverAnswersUrl, info, strings: s });
      const { items, warnings } = gathered;
      previous = items;
      notes.replaceChildren(...warnings.map((text) => alertBox(text, "info", { "data-lab-warning": "" })));
      if (!items.length) {
        notes.append(alertBox(s.lab_no_photos));
        return;
      }
      let coldStartMs = null;
      let ran = engine.runtime();
      const failed = [];
      for (const [index, item] of items.entries()) {
        if (stopped) break;
        progress.show(index, items.length, format(s.lab_running, { done: index, total: items.length }));
        try {
          for (const precision of precisions) {
            const result = await engine.classify(item.blob, { precision });
            item.results[precision] = result;
            ran = { ...ran, backend: result.backend || ran.backend, threads: result.threads ?? ran.threads };
            if (coldStartMs === null && precision === "fp32") coldStartMs = (loads.fp32?.ms || 0) + result.ms;
          }
        } catch (error) {
          item.results = {};
          failed.push(format(s.lab_photo_failed, { name: item.name, reason: s[`lab_error_${error.code}`] || error.message || s.lab_error }));
        }
      }
      const summary = summarise(items, precisions);
      progress.show(summary.images, items.length, format(stopped ? s.lab_stopped : s.lab_done, { done: summary.images, total: items.length }));
      if (failed.length) notes.append(alertBox(failed.join(" "), "warning", { "data-lab-failed": String(failed.length) }));
      if (!summary.images) return;
      if (summary.known < summary.images) {
        notes.append(alertBox(summary.known ? format(s.lab_partial_server, { known: summary.known, total: summary.images }) : s.lab_browser_only, "info", { "data-lab-browser-only": "" }));
      }
      results.replaceChildren(
        el("h3", { className: "h6 mt-2", text: format(s.lab_results_title, { count: summary.images, version: info.version.label }) }),
        summaryTable(summary, { precisions, loads, strings: s }),
        runtimeNote({ ran, coldStartMs, strings: s }),
        flipsView(summary, { precisions, strings: s }),
      );
      root.dataset.agreementFp32 = String(summary.precisions.fp32.agreement);
      if (summary.precisions.int8) root.dataset.agreementInt8 = String(summary.precisions.int8.agreement);
      saveForm(save, { summary, loads, coldStartMs, ran, source });
    } catch (error) {
      notes.append(alertBox(error.detail || error.message || s.lab_error, "danger"));
    } finally {
      run.disabled = false;
      stop.hidden = true;
      root.dataset.lab = "done";
    }
  });

  function saveForm(container, { summary, loads, coldStartMs, ran, source }) {
    if (!deviceMeasurementsUrl) {
      container.replaceChildren(alertBox(s.lab_cannot_save, "light", { "data-lab-cannot-save": "" }));
      return;
    }
    const deviceId = `${name}-device`;
    const device = el("input", { className: "form-control form-control-sm", attrs: { id: deviceId, type: "text", name: "device", placeholder: s.lab_device_placeholder } });
    const button = el("button", { className: "btn btn-success btn-sm", attrs: { type: "button", "data-action": "lab-save" }, text: s.lab_save });
    const message = el("div", { attrs: { "aria-live": "polite", "data-lab-save-message": "" } });
    button.addEventListener("click", async () => {
      button.disabled = true;
      message.replaceChildren();
      try {
        const body = measurementBody({ device: device.value, info, source, summary, loads, coldStartMs, ran });
        const row = await apiFetch(deviceMeasurementsUrl, { method: "POST", json: body });
        message.replaceChildren(alertBox(format(s.lab_saved, { device: row.device }), "success", { "data-saved": String(row.id) }));
        await devices.load();
      } catch (error) {
        message.replaceChildren(alertBox(error.detail || s.lab_error, "danger", { "data-save-error": error.code || "" }));
      } finally {
        button.disabled = false;
      }
    });
    container.replaceChildren(
      el("h3", { className: "h6 mt-3", text: s.lab_save_title }),
      el("p", { className: "small text-body-secondary mb-1", text: s.lab_save_note }),
      el("div", { className: "d-flex flex-wrap gap-2 align-items-center", children: [el("label", { className: "small", text: s.lab_device, attrs: { for: deviceId } }), el("div", { className: "flex-grow-1", attrs: { style: "max-width: 20rem" }, children: [device] }), button] }),
      message,
    );
  }

  return { root, engine };
}
