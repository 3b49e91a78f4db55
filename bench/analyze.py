"""Benchmark the analyze path on this machine and write it to docs/benchmarks.md (`make bench`).

Measures, on the shared photos (`settings.SHARED_DATASETS_DIR`, never copied into the repository):
latency of the analyze service (decode + model + heatmap, no database), ONNX Runtime versus
tf_keras inference, batched throughput, zero-shot cat-vs-dog accuracy, the calibration of the
"unusual" threshold on a sha256-based split, and, for two small trained versions, the time of their
one served graph against the two graphs an analysis used to run (the classifier and the ImageNet
network). Only the `## Analyze (make bench)` section of docs/benchmarks.md is rewritten.

Run from the project root: `.venv/bin/python -m bench.analyze`. All times are milliseconds (ms)
unless a name says otherwise; throughput is images per second.
"""
from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import django
import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduai.settings")
django.setup()

from django.conf import settings  # noqa: E402

from classifier.images import ImageRejected, read_image  # noqa: E402
from ml_models.core import answer as answers  # noqa: E402
from ml_models.core import calibration  # noqa: E402
from ml_models.core.cam import heatmap_png  # noqa: E402
from ml_models.core.inference import OnnxModel, ServedModel  # noqa: E402
from ml_models.core.preprocess import to_model_input  # noqa: E402
from ml_models.networks import pretrained  # noqa: E402

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
SECTION_HEADING = "## Analyze (make bench)"
PHOTO_FOLDERS = (  # (group, folder under the datasets folder, file pattern)
    ("cat", "catsdogs/cat", "*.jpg"),
    ("dog", "catsdogs/dog", "*.jpg"),
    ("other", "not-catdog", "*.JPEG"),
)
WARMUP_IMAGES = 10  # analyze-service calls not counted
WARMUP_CALLS = 5  # inference calls not counted (per engine / variant / batch size)
KERAS_SUBSET = 200  # images timed with tf_keras (slow)
BATCH_SIZES = (1, 8, 32)
THROUGHPUT_IMAGES = 256  # images per round (divisible by every batch size)
THROUGHPUT_ROUNDS = 3  # rounds per batch size; the median round is reported
Z_95 = 1.959964  # two-sided 95% normal quantile
GOAL_SPEEDUP = 3.0  # ONNX at least 3x faster than tf_keras predict, per image
GOAL_ANALYZE_P50_MS = 50.0  # analyze service p50 per image, on 2 cores


# ---------------------------------------------------------------------------- data and timing


@dataclass(frozen=True)
class Photo:
    """One file of the shared datasets: group is "cat", "dog" or "other" (not cat nor dog)."""

    path: Path
    group: str
    content: bytes


def datasets_dir() -> Path:
    """The shared datasets folder from settings; exits with a clear message when it is missing."""
    folder = Path(settings.SHARED_DATASETS_DIR)
    if not (folder / "catsdogs").is_dir() or not (folder / "not-catdog").is_dir():
        sys.exit(
            f"bench: shared datasets not found in {folder} (need catsdogs/ and not-catdog/); "
            "set EDUAI_SHARED_DATASETS to the folder that holds them."
        )
    return folder


def load_photos(folder: Path) -> list[Photo]:
    """Every photo of the benchmark folders, read into memory (sorted, so runs are repeatable)."""
    return [
        Photo(path, group, path.read_bytes())
        for group, subfolder, pattern in PHOTO_FOLDERS
        for path in sorted((folder / subfolder).glob(pattern))
    ]


def elapsed_ms(started: float) -> float:
    """Milliseconds since `started` (a time.perf_counter() value)."""
    return (time.perf_counter() - started) * 1000


def time_calls(function, inputs, warmup: int = WARMUP_CALLS) -> tuple[np.ndarray, list]:
    """Call `function(x)` for each x, after `warmup` uncounted calls: (ms per call, return values)."""
    for x in inputs[:warmup]:
        function(x)
    times, outputs = [], []
    for x in inputs:
        started = time.perf_counter()
        outputs.append(function(x))
        times.append(elapsed_ms(started))
    return np.array(times), outputs


def summary(times_ms: np.ndarray) -> dict[str, float]:
    """p50, p95 and mean of a sample of times, in ms."""
    return {"p50": float(np.percentile(times_ms, 50)), "p95": float(np.percentile(times_ms, 95)),
            "mean": float(np.mean(times_ms))}


# ---------------------------------------------------------------------------- measurements


@dataclass
class AnalyzeRun:
    """Per-image analyze-service times (ms) and what later measurements reuse."""

    stages_ms: dict[str, np.ndarray]  # decode, inference, model, heatmap, total
    photos: list[Photo]  # the photos read_image accepted, in order
    sha256: list[str]
    inputs: np.ndarray  # (N, 224, 224, 3) uint8 model inputs, pre-decoded
    rejected: list[str]  # file names read_image refused


def analyze_once(model: ServedModel, content: bytes):
    """The analyze service without database or storage: read_image -> the served graph -> the answer
    function (verdict, tags, CAM) -> heatmap_png, as `classifier.services.analyze_image` runs them.

    Returns (normalised image, {stage: ms}); the "model" stage (resize + ONNX) is inside "inference".
    """
    started = time.perf_counter()
    image = read_image(
        content, max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES, max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS
    )
    decode_ms = elapsed_ms(started)
    step = time.perf_counter()
    (row,) = answers.rows(model.predict(model.inputs([image.rgb])))
    model_ms = elapsed_ms(step)
    result = answers.answer(row, model.signature)
    inference_ms = elapsed_ms(step)
    step = time.perf_counter()
    heatmap_png(result.cam, (image.width, image.height))
    heatmap_ms = elapsed_ms(step)
    times = {"decode": decode_ms, "inference": inference_ms, "model": model_ms,
             "heatmap": heatmap_ms, "total": elapsed_ms(started)}
    return image, times


def measure_analyze(model: ServedModel, photos: list[Photo]) -> AnalyzeRun:
    """Analyze every photo one at a time (after WARMUP_IMAGES uncounted ones), keeping model inputs."""
    for photo in photos[:WARMUP_IMAGES]:
        analyze_once(model, photo.content)
    stages: dict[str, list[float]] = {}
    accepted, hashes, inputs, rejected = [], [], [], []
    for photo in photos:
        try:
            image, times = analyze_once(model, photo.content)
        except ImageRejected:
            rejected.append(photo.path.name)
            continue
        for stage, ms in times.items():
            stages.setdefault(stage, []).append(ms)
        accepted.append(photo)
        hashes.append(image.sha256)
        inputs.append(to_model_input(image.rgb, model.input_size))
    stages_ms = {stage: np.array(times) for stage, times in stages.items()}
    return AnalyzeRun(stages_ms, accepted, hashes, np.stack(inputs), rejected)


def measure_onnx(model: ServedModel, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ONNX Runtime alone, batch 1, on every input: (ms per image, probabilities (N, 1000))."""
    times, probabilities = time_calls(lambda x: model.predict(x[None], ["probabilities"])["probabilities"][0], inputs)
    return times, np.stack(probabilities)


@dataclass(frozen=True)
class KerasRun:
    """tf_keras per-image times (ms, batch 1) and the versions measured."""

    predict_ms: np.ndarray
    call_ms: np.ndarray
    tensorflow_version: str
    tf_keras_version: str


def measure_keras(inputs: np.ndarray) -> KerasRun:
    """tf_keras EfficientNet-Lite0, batch 1: `model.predict(x, verbose=0)` and `model(x, training=False)`.

    Imports TensorFlow (about 700 MB), so it runs only here, after the ONNX measurements.
    """
    import tensorflow as tf
    import tf_keras

    from ml_models.networks import lite0

    model = lite0.load_pretrained()
    predict_ms, _ = time_calls(lambda x: model.predict(x[None], verbose=0)["probabilities"], inputs)
    call_ms, _ = time_calls(lambda x: model(x[None], training=False)["probabilities"].numpy(), inputs)
    return KerasRun(predict_ms, call_ms, tf.__version__, tf_keras.__version__)


def images_per_second(model: ServedModel, batches: list[np.ndarray]) -> float:
    """One round of ONNX Runtime inference over `batches`: images per second."""
    started = time.perf_counter()
    for batch in batches:
        model.predict(batch)
    return sum(len(batch) for batch in batches) / (elapsed_ms(started) / 1000)


def measure_throughput(model: ServedModel, inputs: np.ndarray) -> dict[int, float]:
    """ONNX Runtime inference on pre-decoded inputs: median images per second for each batch size."""
    images = inputs[:THROUGHPUT_IMAGES]
    result = {}
    for batch_size in BATCH_SIZES:
        batches = [images[i:i + batch_size] for i in range(0, len(images), batch_size)]
        model.predict(batches[0])  # warm-up at this shape
        rounds = [images_per_second(model, batches) for _ in range(THROUGHPUT_ROUNDS)]
        result[batch_size] = float(np.median(rounds))
    return result


# ---------------------------------------------------------------------------- one graph or two

GRAPH_PHOTOS = 300  # timed at batch 1, spread evenly over the accepted photos
TRAIN_PER_CLASS = 100  # cats and dogs each version learns from (the first files by name)
CALIBRATION_OTHERS = 60  # not-catdog photos each version calibrates its unusual threshold on
TRAINED_CONFIGS = {  # small, so the bench stays minutes; accuracy is not what is measured here
    "lite0-finetune": {"epochs": 1, "fine_tune_epochs": 1, "cv_folds": 0, "quantize": False, "batch_size": 16},
    "student-cnn": {"epochs": 3, "cv_folds": 0, "quantize": False},
}


def train_versions(folder: Path, datasets: Path) -> dict[str, Path]:
    """Two small trained versions in `folder` (imports TensorFlow): their artifact folders by preset."""
    import hashlib

    from training.pipeline.config import preset
    from training.pipeline.data import Example
    from training.pipeline.run import run_pipeline

    def examples(subfolder: str, pattern: str, label: int, count: int) -> list[Example]:
        paths = sorted((datasets / subfolder).glob(pattern))[:count]
        return [Example(hashlib.sha256(path.read_bytes()).hexdigest(), path, label) for path in paths]

    pets = examples("catsdogs/cat", "*.jpg", 0, TRAIN_PER_CLASS) + examples("catsdogs/dog", "*.jpg", 1, TRAIN_PER_CLASS)
    others = examples("not-catdog", "*.JPEG", -1, CALIBRATION_OTHERS)
    folders = {}
    for name, overrides in TRAINED_CONFIGS.items():
        folders[name] = folder / name
        run_pipeline(preset(name, **overrides), pets, folders[name], name=name, version=1, others=others)
    return folders


@dataclass(frozen=True)
class GraphsRun:
    one_ms: np.ndarray  # the version's served graph: every output at once
    two_ms: np.ndarray  # its classifier graph, then the pretrained ImageNet graph (the old way)
    one_bytes: int
    two_bytes: int
    shared_stages: str
    test_accuracy: float
    test_count: int
    unusual: dict


def measure_graphs(analyze: AnalyzeRun, pretrained_model: ServedModel) -> dict[str, GraphsRun]:
    """One served graph against two graphs (batch 1, pre-decoded inputs) for each trained version."""
    import tempfile

    from ml_models.core.artifacts import ONNX_FILE, Manifest
    from training.pipeline.run import CLASSIFIER_FILE

    subset = analyze.inputs[np.linspace(0, len(analyze.inputs) - 1, GRAPH_PHOTOS).round().astype(int)]
    imagenet = pretrained_model.graph
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        print("bench: training two small versions for one graph against two...", flush=True)
        for name, path in train_versions(Path(folder), datasets_dir()).items():
            served, classifier = OnnxModel(path / ONNX_FILE), OnnxModel(path / CLASSIFIER_FILE)
            one_ms, _ = time_calls(lambda x: served.predict(x[None]), subset)
            two_ms, _ = time_calls(lambda x: (classifier.predict(x[None]), imagenet.predict(x[None])), subset)
            manifest = Manifest.read(path)
            metrics = manifest.metrics
            results[name] = GraphsRun(
                one_ms=one_ms, two_ms=two_ms, one_bytes=(path / ONNX_FILE).stat().st_size,
                two_bytes=(path / CLASSIFIER_FILE).stat().st_size
                + (pretrained.artifact_dir(settings.MODELS_DIR) / ONNX_FILE).stat().st_size,
                shared_stages=_shared_stages(metrics["served_graph"]),
                test_accuracy=metrics["test"]["accuracy"], test_count=metrics["test"]["count"],
                unusual=metrics["unusual"],
            )
    return results


def _shared_stages(served_graph: dict) -> str:
    """What of Lite0 the served graph shares with its ImageNet branch, in words for the table."""
    shared, duplicated = served_graph["stages_shared_with_imagenet"], served_graph["stages_duplicated"]
    if not shared:
        return "nothing: a whole Lite0 runs beside the CNN"
    return f"{len(shared)} of {len(shared) + len(duplicated)} stages (stem, blocks, head); the fine-tuned {', '.join(duplicated) or 'head'} run twice"


# ---------------------------------------------------------------------------- quality


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion (fractions in [0, 1])."""
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return float(centre - half), float(centre + half)


def zero_shot_accuracy(probabilities: np.ndarray, groups: np.ndarray) -> dict[str, dict]:
    """Cat vs dog (cat if cat mass >= dog mass) on the cat and dog photos: per class and overall."""
    pets = np.isin(groups, ("cat", "dog"))
    masses = np.array([answers.cat_dog_mass(p) for p in probabilities[pets]])
    predicted = np.where(masses[:, 0] >= masses[:, 1], "cat", "dog")
    correct = predicted == groups[pets]
    masks = {"cat": groups[pets] == "cat", "dog": groups[pets] == "dog", "all": np.ones_like(correct)}
    result = {}
    for name, mask in masks.items():
        hits, total = int(correct[mask].sum()), int(mask.sum())
        result[name] = {"correct": hits, "total": total, "accuracy": hits / total,
                        "ci": wilson_interval(hits, total)}
    return result


def flag_metrics(scores: np.ndarray, positive: np.ndarray, threshold: float) -> dict[str, float]:
    """The signature's rule ("unusual if score >= threshold") at `threshold`: rates in [0, 1]."""
    return calibration.flag_metrics(scores, positive, threshold)


def calibrate_unusual(probabilities: np.ndarray, groups: np.ndarray, sha256: list[str], signature: dict) -> dict:
    """Choose the unusual threshold on the calibration split, report it and the signature's on held-out."""
    scores = np.array([answers.unusual_score({"probabilities": p}, signature) for p in probabilities])
    positive = groups == "other"
    in_calibration = np.array([calibration.in_calibration_split(digest) for digest in sha256])
    held_out = ~in_calibration
    chosen = calibration.choose_threshold(scores[in_calibration], positive[in_calibration])
    current = signature["decision"]["unusual"]["threshold"]

    def metrics(split: np.ndarray, threshold: float) -> dict[str, float]:
        return flag_metrics(scores[split], positive[split], threshold)

    return {
        "chosen": chosen,
        "counts": {name: (int((mask & ~positive).sum()), int((mask & positive).sum()))
                   for name, mask in (("calibration", in_calibration), ("held-out", held_out))},
        "auroc": {"calibration": calibration.auroc(scores[in_calibration], positive[in_calibration]),
                  "held-out": calibration.auroc(scores[held_out], positive[held_out])},
        "rows": [
            ("calibration", "chosen", metrics(in_calibration, chosen)),
            ("held-out", "chosen", metrics(held_out, chosen)),
            ("held-out", "in the served signature", metrics(held_out, current)),
        ],
    }


# ---------------------------------------------------------------------------- machine


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo, or platform.processor() elsewhere."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gib() -> float | None:
    """Total RAM in GiB from /proc/meminfo (None when unavailable)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024  # kB -> GiB
    except OSError:
        pass
    return None


def machine_info() -> dict[str, str]:
    """Date (UTC), platform, CPU, cores, RAM, load and the Python / ONNX Runtime versions."""
    ram = ram_gib()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "date (UTC)": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "platform": platform.platform(),
        "CPU": cpu_model(),
        "cores (`os.cpu_count()`)": str(os.cpu_count()),
        "RAM": f"{ram:.1f} GiB" if ram is not None else "unknown",
        "load average at start (1 / 5 min)": f"{load[0]:.2f} / {load[1]:.2f}" if load else "unknown",
        "Python": platform.python_version(),
        "onnxruntime": metadata.version("onnxruntime"),
    }


# ---------------------------------------------------------------------------- report


def table(header: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def pct(fraction: float) -> str:
    """A fraction in [0, 1] as a percentage with one decimal."""
    return f"{fraction * 100:.1f}%"


def goals(results: dict) -> list[list]:
    """The issue's goals as table rows: goal, target, measured, PASS/FAIL."""
    speedup = results["speedup"]
    p50 = summary(results["analyze"].stages_ms["total"])["p50"]
    cores = os.cpu_count()
    return [
        ["ONNX Runtime vs tf_keras `predict`, per image (batch 1, p50)", f">= {GOAL_SPEEDUP:.0f}x faster",
         f"{speedup:.1f}x", "PASS" if speedup >= GOAL_SPEEDUP else "FAIL"],
        ["analyze service p50 per image (decode + inference + heatmap)",
         f"< {GOAL_ANALYZE_P50_MS:.0f} ms on 2 cores", f"{p50:.1f} ms on {cores} cores",
         "PASS" if p50 < GOAL_ANALYZE_P50_MS else "FAIL"],
    ]


def latency_rows(named_times: list[tuple[str, np.ndarray]]) -> list[list]:
    """Rows "name | images | p50 | p95 | mean" (ms)."""
    rows = []
    for name, times in named_times:
        stats = summary(times)
        rows.append([name, len(times), f"{stats['p50']:.1f}", f"{stats['p95']:.1f}", f"{stats['mean']:.1f}"])
    return rows


def render_performance(results: dict) -> list[str]:
    """Markdown blocks for latency, inference engines and throughput."""
    stages = results["analyze"].stages_ms
    keras: KerasRun = results["keras"]
    call_ratio = summary(keras.call_ms)["p50"] / summary(results["onnx_ms"])["p50"]
    header = ["", "images", "p50 (ms)", "p95 (ms)", "mean (ms)"]
    return [
        "### Analyze service latency, one image at a time",
        f"`read_image` + the served graph + `answer.answer` + `cam.heatmap_png`, no database or file storage, "
        f"after {WARMUP_IMAGES} warm-up images; every photo above (cats, dogs and not-catdog).",
        table(header, latency_rows([
            ("decode (`read_image`)", stages["decode"]),
            ("inference (resize, ONNX, then the answer: verdict, tags, CAM)", stages["inference"]),
            ("&nbsp;&nbsp;of which resize + ONNX Runtime", stages["model"]),
            ("heatmap (`heatmap_png`)", stages["heatmap"]),
            ("**total**", stages["total"]),
        ])),
        "### Inference alone, batch 1 (224x224 uint8 input, pre-decoded)",
        table(header, latency_rows([
            ("ONNX Runtime `ServedModel.predict` (probabilities only)", results["onnx_ms"]),
            ("tf_keras `model.predict(x, verbose=0)`", keras.predict_ms),
            ("tf_keras `model(x, training=False)` (direct call)", keras.call_ms),
        ])),
        f"Speed-up, tf_keras `predict` p50 / ONNX Runtime p50: **{results['speedup']:.1f}x**; "
        f"direct call p50 / ONNX p50: {call_ratio:.1f}x. "
        f"tf_keras is timed on {len(keras.predict_ms)} photos spread evenly over the set, "
        f"after {WARMUP_CALLS} warm-up calls per variant. The direct call runs eagerly, layer by layer; "
        "`predict` runs a traced `tf.function` but sets up a data pipeline on every call.",
        "### Throughput with batching (ONNX Runtime, inference only, pre-decoded inputs)",
        table(["batch size", "images/s", "ms per image"],
              [[size, f"{rate:.1f}", f"{1000 / rate:.1f}"] for size, rate in results["throughput"].items()]),
        f"{THROUGHPUT_IMAGES} images per round, median of {THROUGHPUT_ROUNDS} rounds per batch size, "
        "after one warm-up batch. Times are wall-clock on a shared machine: other processes running "
        "at the same time (see the load average above) widen the p95.",
    ]


def render_graphs(results: dict) -> list[str]:
    """Markdown for one served graph against two, per trained version."""
    rows, notes = [], []
    for name, run in results["graphs"].items():
        one, two = summary(run.one_ms)["p50"], summary(run.two_ms)["p50"]
        rows.append([f"`{name}`", f"{one:.1f}", f"{two:.1f}", f"{two / one:.2f}x", f"{run.one_bytes / 1e6:.1f}",
                     f"{run.two_bytes / 1e6:.1f}", run.shared_stages])
        unusual = run.unusual
        held = unusual.get("held_out")
        calibration_text = (
            f"kept the pretrained threshold {unusual['threshold']:.3f} (too few pictures that are neither)"
            if unusual["inherited"] else
            f"chose its own unusual threshold, {unusual['threshold']:.3f}, on its calibration half "
            f"({unusual['counts']['calibration']['pets']} test-split cats/dogs, "
            f"{unusual['counts']['calibration']['others']} not-catdog)"
            + (f"; on the held-out half it flags {pct(held['false_flags'])} of "
               f"{unusual['counts']['held_out']['pets']} cats/dogs and catches {pct(held['caught'])} of "
               f"{unusual['counts']['held_out']['others']} others" if held else ""))
        notes.append(f"- `{name}`: test accuracy {pct(run.test_accuracy)} on its own test split "
                     f"(n = {run.test_count}; a small run, not a quality result); it {calibration_text}.")
    return [
        "### One graph or two, for a trained version",
        f"Each version was trained here on the first {TRAIN_PER_CLASS} cat and {TRAIN_PER_CLASS} dog photos "
        f"(by file name) with settings small enough for a benchmark ({', '.join(f'`{n}`: {c}' for n, c in TRAINED_CONFIGS.items())}), "
        f"and calibrated its unusual threshold with the first {CALIBRATION_OTHERS} not-catdog photos. "
        f"Timed at batch 1 on {GRAPH_PHOTOS} pre-decoded photos spread over the set, after {WARMUP_CALLS} warm-up calls: "
        "**one graph** is the version's served `model.onnx` (its own probabilities, class maps, embedding and "
        "feature maps, plus the ImageNet probabilities for tags and the unusual score); **two graphs** is what an "
        "analysis ran before the model contract: the classifier's own graph, then the pretrained ImageNet graph.",
        table(["version", "one graph p50 (ms)", "two graphs p50 (ms)", "two / one", "one graph (MB)",
               "two graphs (MB)", "what the ImageNet branch shares"], rows),
        "\n".join(notes),
        "The not-catdog photos come from ImageNet, which the pretrained branch was trained on: the calibration "
        "numbers are optimistic.",
    ]


def render_quality(results: dict) -> list[str]:
    """Markdown blocks for zero-shot accuracy and the unusual-score calibration."""
    accuracy, unusual = results["accuracy"], results["unusual"]
    counts = unusual["counts"]
    return [
        "### Zero-shot cat vs dog accuracy",
        "Label from the folder; prediction = cat when the ImageNet cat-class mass >= the dog-breed mass "
        "(`answer.cat_dog_mass`). 95% Wilson interval.",
        table(["class", "correct / photos", "accuracy", "95% CI"], [
            [name, f"{row['correct']} / {row['total']}", pct(row["accuracy"]),
             f"{pct(row['ci'][0])} - {pct(row['ci'][1])}"]
            for name, row in accuracy.items()
        ]),
        "### Unusual score calibration",
        "Score = 1 - (cat mass + dog mass); flagged unusual when score >= threshold (the signature's rule, "
        "`answer.unusual_score`). "
        "Split by the sha256 of the file bytes: first hex digit 0-7 = calibration "
        f"({counts['calibration'][0]} cats/dogs, {counts['calibration'][1]} not-catdog), 8-f = held-out "
        f"({counts['held-out'][0]} cats/dogs, {counts['held-out'][1]} not-catdog). The threshold maximising "
        "balanced accuracy on the calibration split (scanning its unique scores) is "
        f"**{unusual['chosen']:.3f}**. AUROC: held-out **{unusual['auroc']['held-out']:.3f}** "
        f"(calibration {unusual['auroc']['calibration']:.3f}).",
        table(
            ["split", "threshold", "value", "balanced accuracy", "cats/dogs wrongly flagged",
             "not-catdog caught"],
            [[split, name, f"{m['threshold']:.3f}", pct(m["balanced_accuracy"]), pct(m["false_flags"]),
              pct(m["caught"])] for split, name, m in unusual["rows"]],
        ),
        "**Optimistic:** the not-catdog photos are ImageNet images, which the ImageNet-pretrained backbone "
        "has seen in training; on unseen photos expect more misses. These are development numbers on "
        "the shared folder, not test results.",
    ]


def render_section(results: dict) -> str:
    """The whole `## Analyze (make bench)` section as Markdown."""
    machine = results["machine"]
    groups = [photo.group for photo in results["analyze"].photos]
    rejected = results["analyze"].rejected
    blocks = [
        SECTION_HEADING,
        f"Generated by `make bench` (`bench/analyze.py`) on {machine['date (UTC)']} UTC in "
        f"{results['runtime_s']:.0f} s. Photos: {groups.count('cat')} cats and {groups.count('dog')} dogs "
        f"(`catsdogs/`), {groups.count('other')} not-catdog (`not-catdog/`) from the shared datasets; "
        f"model `{pretrained.NAME}` v{pretrained.VERSION} (EfficientNet-Lite0, ImageNet-1k, zero-shot; its served "
        "graph includes the class maps for the heatmap)."
        + (f" Refused by `read_image` and left out: {', '.join(rejected)}." if rejected else ""),
        "### Machine",
        table(["", ""], [[key, value] for key, value in machine.items()]),
        "### Goals",
        table(["goal", "target", "measured", "result"], goals(results)),
        *render_performance(results),
        *render_graphs(results),
        *render_quality(results),
    ]
    return "\n\n".join(blocks) + "\n"


def write_section(path: Path, section: str, heading: str = SECTION_HEADING) -> None:
    """Replace (or append) the section under `heading` in `path`, keeping every other `## ` section."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.rstrip() == heading]
    if not starts:
        body = text.rstrip("\n") + "\n\n" + section
    else:
        start = starts[0]
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        after = "".join(lines[end:])
        body = "".join(lines[:start]) + section + ("\n" + after if after else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")


def print_summary(results: dict) -> None:
    """A few lines on stdout; the last one is the chosen threshold."""
    total = summary(results["analyze"].stages_ms["total"])
    keras = summary(results["keras"].predict_ms)
    onnx = summary(results["onnx_ms"])
    accuracy = results["accuracy"]["all"]
    unusual = results["unusual"]
    held_out = unusual["rows"][1][2]
    print(f"analyze service: p50 {total['p50']:.1f} ms, p95 {total['p95']:.1f} ms, "
          f"mean {total['mean']:.1f} ms")
    print(f"inference batch 1: ONNX p50 {onnx['p50']:.1f} ms, tf_keras predict p50 {keras['p50']:.1f} ms "
          f"({results['speedup']:.1f}x)")
    rates = ", ".join(f"batch {size}: {rate:.0f}" for size, rate in results["throughput"].items())
    print(f"throughput (images/s): {rates}")
    print(f"zero-shot cat vs dog: {pct(accuracy['accuracy'])} "
          f"(95% CI {pct(accuracy['ci'][0])} - {pct(accuracy['ci'][1])}, n={accuracy['total']})")
    print(f"unusual, held-out: AUROC {unusual['auroc']['held-out']:.3f}, balanced accuracy "
          f"{pct(held_out['balanced_accuracy'])} at the chosen threshold")
    for split, name, m in unusual["rows"]:
        print(f"  {split}, {name} ({m['threshold']:.3f}): wrongly flagged {pct(m['false_flags'])}, "
              f"caught {pct(m['caught'])}")
    for name, run in results["graphs"].items():
        print(f"{name}: one graph p50 {summary(run.one_ms)['p50']:.1f} ms, two graphs p50 "
              f"{summary(run.two_ms)['p50']:.1f} ms")
    print(f"wrote {DOC_PATH} in {results['runtime_s']:.0f} s")
    print(f"chosen unusual threshold: {unusual['chosen']:.3f}")


def run() -> dict:
    """Every measurement, in an order that keeps TensorFlow out of the ONNX timings."""
    started = time.perf_counter()
    machine = machine_info()  # before the run, so the load average is other processes' load
    photos = load_photos(datasets_dir())
    model = ServedModel.load(pretrained.artifact_dir(settings.MODELS_DIR))
    print(f"bench: {len(photos)} photos; analyze service...", flush=True)
    analyze = measure_analyze(model, photos)
    print("bench: ONNX Runtime inference and throughput...", flush=True)
    onnx_ms, probabilities = measure_onnx(model, analyze.inputs)
    throughput = measure_throughput(model, analyze.inputs)
    print("bench: tf_keras...", flush=True)
    # (the trained versions for one graph against two are trained after the ONNX timings above)
    subset = np.linspace(0, len(analyze.inputs) - 1, KERAS_SUBSET).round().astype(int)
    keras = measure_keras(analyze.inputs[subset])
    groups = np.array([photo.group for photo in analyze.photos])
    machine.update({"tensorflow": keras.tensorflow_version, "tf_keras": keras.tf_keras_version})
    return {
        "machine": machine,
        "analyze": analyze,
        "onnx_ms": onnx_ms,
        "keras": keras,
        "speedup": summary(keras.predict_ms)["p50"] / summary(onnx_ms)["p50"],
        "throughput": throughput,
        "accuracy": zero_shot_accuracy(probabilities, groups),
        "unusual": calibrate_unusual(probabilities, groups, analyze.sha256, model.signature),
        "graphs": measure_graphs(analyze, model),
        "runtime_s": elapsed_ms(started) / 1000,
    }


def main() -> None:
    results = run()
    write_section(DOC_PATH, render_section(results))
    print_summary(results)


if __name__ == "__main__":
    main()
