"""Benchmark the model in the browser (/edge/) beside native ONNX Runtime and write it to docs/benchmarks.md
(`make bench`).

A throw-away SQLite database (a temporary EDUAI_DATA_DIR) gets the pretrained model; the app runs as a real
server process (`manage.py runserver --noreload` on a free port of 127.0.0.1, its request log kept to count the
bytes it sent). Debian's Chromium, headless through Playwright, visits /edge/ as an anonymous visitor (the global
pretrained version): the cold start is a first visit in a new browser context (empty HTTP cache, Cache Storage and
no service worker) from navigation to `window.eduaiEdge.ready` resolved; the warm start is the next visit in the
same context. Then the same held-out shared photos (sha256 starting 8-f, chosen by sha256: see
`held_out_photos`) go through `window.eduaiEdge.classify(blob, {precision})` in FP32 and INT8 (the `ms` it
reports: decode + resize + inference + answer) and, through the page's own `static/js/lib/edge.js`, through
`edge.run(input, precision)` alone (inference only). In the same run, in this process, native ONNX Runtime runs the
same two files (model.onnx and served_int8.onnx) at batch 1 through `ml_models.core.inference.OnnxModel`, with the
same photos: inference only (the 224 x 224 input made beforehand) and decode + resize + inference + answer (what
the browser's `ms` covers). Only `## Edge: the model in the browser (make bench)` of docs/benchmarks.md is
rewritten. Run from the project root: `.venv/bin/python -m bench.edge`. Times in milliseconds.

Importing this module has no side effects (tests/test_bench.py checks its pure parts); `main()` sets up the
environment.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION_HEADING = "## Edge: the model in the browser (make bench)"
GROUPS = (  # (group, folder under the shared datasets, file pattern)
    ("cat", "catsdogs/cat", "*.jpg"),
    ("dog", "catsdogs/dog", "*.jpg"),
    ("other", "not-catdog", "*.JPEG"),
)
HELD_OUT_DIGITS = "89abcdef"  # the split pretrained.UNUSUAL_CALIBRATION did not use (0-7 calibrated it)
PER_GROUP = 16  # 48 photos
WARMUP = 3  # classify calls per precision not counted (the first INT8 one also downloads the file)
PASSES = 2  # timed passes over the photos, browser and native alike
COLD_VISITS = 3  # new browser contexts, each a first visit then a second one
GOAL_RATIO = 3.0  # browser FP32 p50 at most 3x the native p50
PRECISIONS = ("fp32", "int8")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# runserver's request log: [date] "GET /path HTTP/1.1" 200 12345
LOG_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) (?P<bytes>\d+|-)')
MIME = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


# ---------------------------------------------------------------------------- pure parts (tested)


@dataclass(frozen=True)
class Photo:
    group: str  # cat, dog or other (not-catdog)
    path: Path
    sha256: str
    content: bytes

    @property
    def mime(self) -> str:
        return MIME.get(self.path.suffix.lower(), "application/octet-stream")

    def base64(self) -> str:
        return base64.b64encode(self.content).decode()


def held_out_photos(folder: Path, per_group: int) -> list[Photo]:
    """`per_group` photos of each group (cats, dogs, not-catdog) of the shared datasets in `folder`: those whose
    sha256 (of the file's bytes) starts with 8-f, the lowest hashes first. Deterministic, and never the photos
    the pretrained unusual threshold or its INT8 calibration were chosen on (0-7)."""
    chosen = []
    for group, subfolder, pattern in GROUPS:
        found = []
        for path in sorted((Path(folder) / subfolder).glob(pattern)):
            content = path.read_bytes()
            digest = hashlib.sha256(content).hexdigest()
            if digest[0] in HELD_OUT_DIGITS:
                found.append(Photo(group, path, digest, content))
        found.sort(key=lambda photo: photo.sha256)
        if len(found) < per_group:
            raise ValueError(f"only {len(found)} held-out photos in {subfolder}, {per_group} wanted")
        chosen += found[:per_group]
    return chosen


def percentile(values, q: float) -> float:
    """The q-quantile (0..1) with linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(float(value) for value in values)
    if not ordered:
        raise ValueError("no values")
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values) -> dict:
    values = list(values)
    return {"n": len(values), "p50": percentile(values, 0.5), "p90": percentile(values, 0.9)}


def goal(met: bool) -> str:
    return "met" if met else "NOT met"


def parse_server_log(lines) -> list[dict]:
    """runserver's request lines -> [{method, path, status, bytes}] (bytes: what the server wrote, 0 for "-")."""
    found = []
    for line in lines:
        match = LOG_LINE.search(line)
        if match:
            found.append({"method": match["method"], "path": match["path"], "status": int(match["status"]),
                          "bytes": 0 if match["bytes"] == "-" else int(match["bytes"])})
    return found


def bytes_by_kind(requests: list[dict], files: dict) -> dict[str, dict]:
    """Requests grouped as the FP32 model, the INT8 model, onnxruntime-web (script + wasm) and everything else:
    {kind: {"requests": n, "bytes": total}}. `files` is the model API's `files` ({precision: {url} | None})."""
    paths = {precision: file["url"].split("?")[0] for precision, file in files.items() if file}
    kinds = {kind: {"requests": 0, "bytes": 0} for kind in ("fp32 model", "int8 model", "onnxruntime-web", "other")}
    for request in requests:
        path = request["path"].split("?")[0]
        kind = next((f"{precision} model" for precision, url in paths.items() if path == url), None)
        if kind is None:
            kind = "onnxruntime-web" if "/vendor/onnxruntime-web/" in path else "other"
        kinds[kind]["requests"] += 1
        kinds[kind]["bytes"] += request["bytes"]
    return kinds


def megabytes(count: int) -> str:
    return f"{count / 1e6:.2f} MB"


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def render_section(result: dict) -> str:
    """The Markdown section from a run's measurements (keys as `measure` returns them)."""
    info, photos = result["machine"], result["photos"]
    browser, native, visits = result["browser"], result["native"], result["visits"]
    runtime = result["runtime"]
    fp32, int8 = browser["classify"]["fp32"], browser["classify"]["int8"]
    run = browser.get("run") or {}
    native_total, native_run = native["total"], native["run"]
    lines = [
        SECTION_HEADING, "",
        f"Generated by `make bench` (`bench/edge.py`) on {info['date (UTC)']} UTC: {info['CPU']} "
        f"({info['cores (`os.cpu_count()`)']} cores, {info['RAM']}), Chromium {result['chromium']} (Debian's, "
        f"headless, Playwright), onnxruntime-web {result['ort_web']}, ONNX Runtime {info['onnxruntime']} "
        f"(native, Python {info['Python']}). Load average at start {info['load average at start (1 / 5 min)']}, "
        f"at the end {result['load_end']}. {result.get('note', '')}".rstrip(), "",
        f"Model: {result['version']} (the global pretrained version an anonymous visitor gets on /edge/). "
        f"Photos: {photos['count']} held-out shared photos ({photos['per_group']} cats, {photos['per_group']} dogs, "
        f"{photos['per_group']} not-catdog: in each folder, the lowest sha256 among the files whose sha256 starts "
        f"with 8-f, the split the unusual threshold and the INT8 calibration did not use), {PASSES} timed passes "
        f"after {WARMUP} warm-up photos per precision. Browser: backend `{runtime['backend']}`, "
        f"{runtime['threads']} threads (cross-origin isolated: {str(runtime['isolated']).lower()}, "
        f"`navigator.hardwareConcurrency` {runtime['hardware_concurrency']}). Native: `OnnxModel`, CPU execution "
        f"provider, ONNX Runtime's default threads ({native['threads']}), batch 1.", "",
        "### Per photo", "",
        "`classify`: the `ms` that `window.eduaiEdge.classify` reports (decode + resize + inference + answer); "
        "`run`: `edge.run(input, precision)` of static/js/lib/edge.js alone (inference only, the 224 x 224 input "
        "made beforehand). Native: `OnnxModel.predict` on the same input (inference only) and read_image + "
        "to_model_input + predict + answer (what `classify` covers).", "",
        "| engine | what is timed | FP32 p50 | FP32 p90 | INT8 p50 | INT8 p90 | runs per precision |",
        "|---|---|---|---|---|---|---|",
        f"| browser | classify (ms it reports) | {ms(fp32['p50'])} | {ms(fp32['p90'])} | {ms(int8['p50'])} | "
        f"{ms(int8['p90'])} | {fp32['n']} |",
    ]
    if run:
        lines.append(f"| browser | run (inference only) | {ms(run['fp32']['p50'])} | {ms(run['fp32']['p90'])} | "
                     f"{ms(run['int8']['p50'])} | {ms(run['int8']['p90'])} | {run['fp32']['n']} |")
    else:
        lines.append("| browser | run (inference only) | – | – | – | – | edge.run not reachable from the page |")
    lines += [
        f"| native ONNX Runtime | decode + resize + inference + answer | {ms(native_total['fp32']['p50'])} | "
        f"{ms(native_total['fp32']['p90'])} | {ms(native_total['int8']['p50'])} | {ms(native_total['int8']['p90'])} | "
        f"{native_total['fp32']['n']} |",
        f"| native ONNX Runtime | inference only | {ms(native_run['fp32']['p50'])} | {ms(native_run['fp32']['p90'])} | "
        f"{ms(native_run['int8']['p50'])} | {ms(native_run['int8']['p90'])} | {native_run['fp32']['n']} |",
        "", "### Goals", "",
        "| goal | measured | |", "|---|---|---|",
    ]
    for row in goals(result):
        lines.append(f"| {row['goal']} | {row['measured']} | {goal(row['met'])} |")
    lines += ["", "### Start and download", "",
              f"Cold: a first visit in a new browser context, from navigation start to `eduaiEdge.ready` resolved "
              f"(FP32 loaded), median of {len(visits['cold'])} contexts; warm: the second visit in the same context "
              f"(median of {len(visits['warm'])}). Bytes: what the server process wrote during the first visit of "
              "the first context (its request log), the INT8 file when the first INT8 photo was classified.", "",
              "| | value |", "|---|---|",
              f"| cold start (ms) | {ms(statistics.median(visits['cold']))} (each: "
              f"{', '.join(ms(v) for v in visits['cold'])}) |",
              f"| warm start (ms) | {ms(statistics.median(visits['warm']))} (each: "
              f"{', '.join(ms(v) for v in visits['warm'])}) |",
              f"| first INT8 photo, file download and session included (ms) | {ms(visits.get('first_int8_ms'))} |"]
    for kind, row in result["bytes"].items():
        lines.append(f"| {kind}: bytes sent by the server (requests) | {megabytes(row['bytes'])} ({row['requests']}) |")
    for precision in PRECISIONS:
        file = result["files"].get(precision)
        if file:
            lines.append(f"| {precision} file size | {megabytes(file['size_bytes'])} |")
    lines.append(f"| warm visit: bytes sent by the server (requests) | {megabytes(visits['warm_bytes'])} "
                 f"({visits['warm_requests']}) |")
    agreement = result.get("agreement")
    if agreement:
        lines += ["", f"Same photos, browser against native ONNX Runtime of the same files (answer labels): FP32 "
                      f"{agreement['fp32']['same']} of {agreement['fp32']['n']}, largest |P(cat) difference| "
                      f"{agreement['fp32']['max_diff']:.2e}; INT8 {agreement['int8']['same']} of "
                      f"{agreement['int8']['n']}, largest {agreement['int8']['max_diff']:.2e} "
                      "(tests/test_edge_vs_server_browser.py asserts the bars against the server's answers)."]
    return "\n".join(lines) + "\n"


def goals(result: dict) -> list[dict]:
    browser, native = result["browser"], result["native"]
    fp32, int8 = browser["classify"]["fp32"]["p50"], browser["classify"]["int8"]["p50"]
    rows = [
        {"goal": f"browser FP32 classify p50 <= {GOAL_RATIO:g} x native (decode + resize + inference + answer)",
         "measured": f"{fp32:.1f} ms vs {native['total']['fp32']['p50']:.1f} ms: "
                     f"{fp32 / native['total']['fp32']['p50']:.2f} x",
         "met": fp32 <= GOAL_RATIO * native["total"]["fp32"]["p50"]},
    ]
    run = browser.get("run")
    if run:
        rows.append({"goal": f"browser FP32 run p50 <= {GOAL_RATIO:g} x native inference p50",
                     "measured": f"{run['fp32']['p50']:.1f} ms vs {native['run']['fp32']['p50']:.1f} ms: "
                                 f"{run['fp32']['p50'] / native['run']['fp32']['p50']:.2f} x",
                     "met": run["fp32"]["p50"] <= GOAL_RATIO * native["run"]["fp32"]["p50"]})
    rows.append({"goal": "INT8 faster than FP32 in the browser (classify p50)",
                 "measured": f"{int8:.1f} ms vs {fp32:.1f} ms", "met": int8 < fp32})
    if run:
        rows.append({"goal": "INT8 faster than FP32 in the browser (run p50)",
                     "measured": f"{run['int8']['p50']:.1f} ms vs {run['fp32']['p50']:.1f} ms",
                     "met": run["int8"]["p50"] < run["fp32"]["p50"]})
    return rows


# ---------------------------------------------------------------------------- the browser side

READY_HOOK = """
(() => {
  const started = performance.now();
  const watch = setInterval(() => {
    if (window.eduaiEdge && window.eduaiEdge.ready) {
      clearInterval(watch);
      window.eduaiEdge.ready.then(() => { window.__benchReadyAt = performance.now(); },
                                  (error) => { window.__benchReadyError = String(error); });
    } else if (performance.now() - started > 120000) {
      clearInterval(watch);
    }
  }, 1);
})();
"""

# photos are handed to the page as base64 once (window.__benchPhotos), then classified there
LOAD_PHOTOS_JS = """(photos) => {
  window.__benchPhotos = photos.map(([b64, type]) => new Blob([Uint8Array.from(atob(b64), c => c.charCodeAt(0))], {type}));
  return window.__benchPhotos.length;
}"""

CLASSIFY_JS = """async ([indices, precision]) => {
  const found = [];
  for (const i of indices) {
    const started = performance.now();
    const r = await window.eduaiEdge.classify(window.__benchPhotos[i], {precision});
    found.push({index: i, label: r.label, cat: r.probabilities.cat, unusual_score: r.unusual_score, ms: r.ms,
                wall: performance.now() - started, backend: r.backend, threads: r.threads});
  }
  return found;
}"""

# inference alone, through the page's own module: a second edge object for the same model (files from the cache);
# its classify reports timings.inference_ms (the edge.run part), else edge.run is timed on the photo's input
RUN_JS = """async ([indices, precision, modelInfoUrl]) => {
  if (!window.__benchEdge) {
    const module = await import('/static/js/lib/edge.js');
    window.__benchEdge = await module.createEdge({modelInfoUrl});
  }
  const edge = window.__benchEdge;
  if (typeof edge.run !== 'function') return null;
  const found = [];
  for (const i of indices) {
    const r = await edge.classify(window.__benchPhotos[i], {precision});
    if (r.timings && typeof r.timings.inference_ms === 'number') {
      found.push(r.timings.inference_ms);  // edge.run inside classify: input tensor, session.run, outputs
      continue;
    }
    const started = performance.now();
    await edge.run(r.input, precision);
    found.push(performance.now() - started);
  }
  return found;
}"""

RUNTIME_JS = """() => {
  const hook = window.eduaiEdge;
  const runtime = typeof hook.runtime === 'function' ? hook.runtime() : hook.runtime;
  return {runtime: runtime || null, isolated: window.crossOriginIsolated,
          hardware_concurrency: navigator.hardwareConcurrency,
          ort_web: (window.ort && ort.env && ort.env.versions && ort.env.versions.web) || null,
          info: hook.info || null};
}"""


class Server:
    """`manage.py runserver --noreload` on a free port with this run's environment; its request log in a file."""

    def __init__(self, env: dict):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(env["EDUAI_DATA_DIR"]) / "runserver.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"bench.edge: the server did not start:\n{self.log_path.read_text()[-2000:]}")
                time.sleep(0.2)

    def log_lines(self) -> list[str]:
        self._log.flush()
        return self.log_path.read_text(errors="replace").splitlines()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


def visit(context, url: str) -> tuple[object, float]:
    """A new page of `context` on `url`: (page, ms from navigation start to eduaiEdge.ready resolved)."""
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(READY_HOOK)
    page.goto(url)
    page.wait_for_function("window.__benchReadyAt !== undefined || window.__benchReadyError !== undefined",
                           timeout=180_000, polling=20)
    failure = page.evaluate("window.__benchReadyError || null")
    if failure or errors:
        sys.exit(f"bench.edge: the edge page failed: {failure or ''} {errors}")
    return page, page.evaluate("window.__benchReadyAt")


def measure_browser(server: Server, photos: list[Photo]) -> dict:
    from playwright.sync_api import sync_playwright

    page_url = f"{server.url}/edge/"
    cold, warm, warm_bytes, warm_requests = [], [], 0, 0
    result = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        result["chromium"] = browser.version
        for number in range(COLD_VISITS):
            context = browser.new_context(locale="es-ES")
            before = len(server.log_lines())
            page, ready_ms = visit(context, page_url)
            cold.append(ready_ms)
            if number == 0:
                state = page.evaluate(RUNTIME_JS)
                files = state["info"]["files"]
                page.evaluate(LOAD_PHOTOS_JS, [[photo.base64(), photo.mime] for photo in photos[:1]])
                started = time.perf_counter()
                page.evaluate(CLASSIFY_JS, [[0], "int8"])  # INT8 file downloaded, its session made
                result["first_int8_ms"] = 1000 * (time.perf_counter() - started)
                time.sleep(1)  # the service worker may still be caching
                result["bytes"] = bytes_by_kind(parse_server_log(server.log_lines()[before:]), files)
                result["state"] = state
            page.close()
            before = len(server.log_lines())
            page, ready_ms = visit(context, page_url)
            warm.append(ready_ms)
            if number == 0:
                time.sleep(1)
                requests = parse_server_log(server.log_lines()[before:])
                warm_bytes, warm_requests = sum(r["bytes"] for r in requests), len(requests)
            if number < COLD_VISITS - 1:
                context.close()
        # the per-photo measurements on the last warm page
        page.evaluate(LOAD_PHOTOS_JS, [[photo.base64(), photo.mime] for photo in photos])
        indices = list(range(len(photos)))
        classify, answers = {}, {}
        for precision in PRECISIONS:
            page.evaluate(CLASSIFY_JS, [indices[:WARMUP], precision])
            rows = [row for _ in range(PASSES) for row in page.evaluate(CLASSIFY_JS, [indices, precision])]
            classify[precision] = rows
            answers[precision] = rows[: len(photos)]
        run = {}
        model_info_url = "/api/v1/edge/model/"
        try:
            for precision in PRECISIONS:
                page.evaluate(RUN_JS, [indices[:WARMUP], precision, model_info_url])
                times = [t for _ in range(PASSES) for t in (page.evaluate(RUN_JS, [indices, precision, model_info_url])
                                                              or [])]
                if not times:
                    run = None
                    break
                run[precision] = summary(times)
        except Exception as error:  # noqa: BLE001 - reported in the table, the rest of the run still counts
            print(f"bench.edge: edge.run could not be timed from the page: {error}", file=sys.stderr)
            run = None
        browser.close()
    result.update(visits={"cold": cold, "warm": warm, "warm_bytes": warm_bytes, "warm_requests": warm_requests,
                          "first_int8_ms": result.pop("first_int8_ms")},
                  classify={p: summary(row["ms"] for row in rows) for p, rows in classify.items()},
                  wall={p: summary(row["wall"] for row in rows) for p, rows in classify.items()},
                  answers=answers, run=run or None,
                  backends=sorted({row["backend"] for rows in classify.values() for row in rows}),
                  threads=sorted({row["threads"] for rows in classify.values() for row in rows}))
    return result


# ---------------------------------------------------------------------------- the native side


def measure_native(folder: Path, photos: list[Photo], signature: dict) -> dict:
    from django.conf import settings

    from classifier.images import read_image
    from ml_models.core import answer as answer_module
    from ml_models.core.artifacts import ONNX_FILE, ONNX_INT8_FILE
    from ml_models.core.inference import OnnxModel
    from ml_models.core.preprocess import to_model_input

    size = tuple(signature["input"]["shape"][1:3][::-1])
    limits = {"max_bytes": settings.EDUAI_MAX_UPLOAD_BYTES, "max_pixels": settings.EDUAI_MAX_IMAGE_PIXELS}
    inputs = [to_model_input(read_image(photo.content, **limits).rgb, size)[None] for photo in photos]
    found = {"run": {}, "total": {}, "answers": {}}
    threads = None
    for precision, name in (("fp32", ONNX_FILE), ("int8", ONNX_INT8_FILE)):
        model = OnnxModel(folder / name)
        threads = model.session.get_session_options().intra_op_num_threads
        for batch in inputs[:WARMUP]:
            model.predict(batch)
        run_times, total_times, answers = [], [], []
        for _ in range(PASSES):
            for batch in inputs:
                started = time.perf_counter()
                model.predict(batch)
                run_times.append(1000 * (time.perf_counter() - started))
            for photo in photos:
                started = time.perf_counter()
                picture = to_model_input(read_image(photo.content, **limits).rgb, size)[None]
                (row,) = answer_module.rows(model.predict(picture))
                answer = answer_module.answer(row, signature)
                total_times.append(1000 * (time.perf_counter() - started))
                answers.append(answer.verdict)
        found["run"][precision] = summary(run_times)
        found["total"][precision] = summary(total_times)
        found["answers"][precision] = answers[: len(photos)]
    found["threads"] = f"intra_op_num_threads={threads}, 0 = one per core" if threads == 0 else str(threads)
    return found


def agreement(browser_answers: list[dict], native_answers: list) -> dict:
    same = sum(row["label"] == verdict.label for row, verdict in zip(browser_answers, native_answers))
    diff = max(abs(row["cat"] - verdict.cat) for row, verdict in zip(browser_answers, native_answers))
    return {"same": same, "n": len(native_answers), "max_diff": diff}


# ---------------------------------------------------------------------------- main


def main() -> None:
    os.environ.setdefault("EDUAI_MODELS_DIR", str(ROOT / "var" / "models"))
    os.environ["EDUAI_DATA_DIR"] = tempfile.mkdtemp(prefix="eduai-bench-edge-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("EDUAI_DEBUG", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduai.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench.analyze import DOC_PATH, machine_info, write_section
    from ml_models.core.artifacts import ONNX_INT8_FILE, Manifest
    from ml_models.networks import pretrained
    from ml_models.services import register_version

    if not os.path.exists(CHROMIUM):
        sys.exit("bench.edge: Debian's chromium is not installed (apt-get install -y chromium)")
    datasets = Path(settings.SHARED_DATASETS_DIR)
    if not (datasets / "catsdogs").is_dir() or not (datasets / "not-catdog").is_dir():
        sys.exit(f"bench.edge: shared datasets not found in {datasets} (need catsdogs/ and not-catdog/)")
    folder = pretrained.artifact_dir(settings.MODELS_DIR)
    if not (folder / ONNX_INT8_FILE).is_file():
        sys.exit(f"bench.edge: {folder / ONNX_INT8_FILE} is missing: run `make models` first")
    info = machine_info()
    started = time.perf_counter()
    photos = held_out_photos(datasets, PER_GROUP)
    call_command("migrate", verbosity=0)
    version = register_version(folder=folder)
    manifest = Manifest.read(folder)
    server = Server(dict(os.environ))
    try:
        browser = measure_browser(server, photos)
    finally:
        server.stop()
    native = measure_native(folder, photos, manifest.signature)
    state = browser["state"]
    runtime = state["runtime"] or {}
    package = json.loads((ROOT / "node_modules" / "onnxruntime-web" / "package.json").read_text())
    load = os.getloadavg()
    result = {
        "machine": info, "chromium": browser["chromium"], "ort_web": state["ort_web"] or package["version"],
        "load_end": f"{load[0]:.2f} / {load[1]:.2f}",
        "note": "Other helpers' tests and builds shared the machine during this run: a quieter machine may be "
                "faster (both engines alike).",
        "version": f"{version.name} v{version.version}",
        "photos": {"count": len(photos), "per_group": PER_GROUP},
        "runtime": {"backend": ", ".join(browser["backends"]), "threads": ", ".join(map(str, browser["threads"])),
                    "isolated": state["isolated"], "hardware_concurrency": state["hardware_concurrency"],
                    "reason": runtime.get("reason")},
        "browser": {"classify": browser["classify"], "run": browser["run"]},
        "native": native, "visits": browser["visits"], "bytes": browser["bytes"], "files": state["info"]["files"],
        "agreement": {precision: agreement(browser["answers"][precision], native["answers"][precision])
                      for precision in PRECISIONS},
    }
    section = render_section(result)
    section += f"\nThe run took {(time.perf_counter() - started) / 60:.1f} min.\n"
    write_section(DOC_PATH, section, heading=SECTION_HEADING)
    print(section)
    for row in goals(result):
        print(f"{row['goal']}: {row['measured']}: {goal(row['met'])}")


if __name__ == "__main__":
    main()
