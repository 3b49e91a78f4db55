"""Benchmark the analyze path on this machine and write it to docs/benchmarks.md (`make bench`).

Measures, on the shared photos (`settings.SHARED_DATASETS_DIR`, never copied into the repository):
latency of the analyze service (decode + model + heatmap, no database), ONNX Runtime versus
tf_keras inference (eager, graph mode and `predict`), batched throughput, the cat-vs-dog accuracy of
the pretrained network (not trained on our labels: ImageNet classes regrouped into cat and dog) with
the whole photo squashed and with a centre crop, the calibration of the "unusual" threshold on a
sha256-based split, and, for two small trained versions, the time of their one served graph against
the two graphs an analysis used to run (the classifier and the ImageNet network). Every share is
reported with its 95% Wilson interval and its count. Only the `## Analyze (make bench)` section of docs/benchmarks.md is rewritten.

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
CROP_RESIZE = 256  # centre crop compared with squashing: shorter side to 256, then the central 224x224
# What not-catdog/ leaves out (shared datasets README): printed next to every number measured on it.
NOT_CATDOG_NOTE = (
    "`not-catdog/` holds one ImageNet sample image per ImageNet class, with the cat, dog, wolf, fox and "
    "big-cat classes removed (shared datasets README): the nearest look-alikes of cats and dogs are not "
    "in it, and the pretrained backbone was trained on ImageNet. So these numbers say how well the score "
    "tells cats and dogs from clearly different things the network has seen, not from look-alikes or new "
    "photos: they are optimistic development numbers, not test results."
)


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

    predict_ms: np.ndarray  # model.predict: a traced graph plus a data pipeline set up on every call
    call_ms: np.ndarray  # model(x): eager, layer by layer
    graph_ms: np.ndarray  # tf.function(model): the traced graph alone
    tensorflow_version: str
    tf_keras_version: str


def measure_keras(inputs: np.ndarray) -> KerasRun:
    """tf_keras EfficientNet-Lite0, batch 1: `model.predict(x, verbose=0)`, `model(x, training=False)`
    (eager) and the same call traced once with `tf.function` (graph mode).

    Imports TensorFlow (about 700 MB), so it runs only here, after the ONNX measurements.
    """
    import tensorflow as tf
    import tf_keras

    from ml_models.networks import lite0

    model = lite0.load_pretrained()
    predict_ms, _ = time_calls(lambda x: model.predict(x[None], verbose=0)["probabilities"], inputs)
    call_ms, _ = time_calls(lambda x: model(x[None], training=False)["probabilities"].numpy(), inputs)
    graph = tf.function(lambda x: model(x, training=False)["probabilities"])  # one trace: every call is (1, 224, 224, 3)
    graph_ms, _ = time_calls(lambda x: graph(tf.constant(x[None])).numpy(), inputs)
    return KerasRun(predict_ms, call_ms, graph_ms, tf.__version__, tf_keras.__version__)


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


# ---------------------------------------------------------------------------- squash or crop


def centre_crop_input(rgb, size: tuple[int, int]) -> np.ndarray:
    """The classic ImageNet crop, for comparison only: shorter side to CROP_RESIZE (bilinear), then the
    central `size` pixels, as uint8 (H, W, 3). Serving squashes the whole photo instead."""
    from PIL import Image

    width, height = size
    scale = CROP_RESIZE * min(width, height) / 224 / min(rgb.width, rgb.height)
    resized = rgb.resize((max(width, round(rgb.width * scale)), max(height, round(rgb.height * scale))),
                         Image.Resampling.BILINEAR)
    left, top = (resized.width - width) // 2, (resized.height - height) // 2
    return np.asarray(resized.crop((left, top, left + width, top + height)), dtype=np.uint8)


@dataclass(frozen=True)
class PreprocessingRun:
    """The pretrained network's cat-vs-dog answers to the same cat and dog photos, two ways."""

    truth: np.ndarray  # "cat" / "dog" from the folder
    squash: np.ndarray  # the whole photo squashed to 224x224 (what serving does)
    crop: np.ndarray  # shorter side to 256, central 224x224


def measure_preprocessing(model: ServedModel, analyze: AnalyzeRun, probabilities: np.ndarray) -> PreprocessingRun:
    """Squash against centre crop on every cat and dog photo: the same graph, the same photos."""
    groups = np.array([photo.group for photo in analyze.photos])
    pets = np.flatnonzero(np.isin(groups, ("cat", "dog")))
    cropped = []
    for start in range(0, len(pets), 32):
        batch = []
        for index in pets[start:start + 32]:
            image = read_image(analyze.photos[index].content, max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES,
                               max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
            batch.append(centre_crop_input(image.rgb, model.input_size))
        cropped.append(model.predict(np.stack(batch), ["probabilities"])["probabilities"])
    return PreprocessingRun(groups[pets], cat_or_dog(probabilities[pets]), cat_or_dog(np.concatenate(cropped)))


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
    """Wilson score interval for a proportion (fractions in [0, 1]); (0, 1) when there is nothing to count."""
    if total <= 0:
        return 0.0, 1.0
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def share_with_ci(successes: int, total: int) -> str:
    """"99.3% (95% CI 96.3% - 99.9%; 147 of 148)": a share, its Wilson interval and what it counts."""
    if total <= 0:
        return "– (0 photos)"
    low, high = wilson_interval(successes, total)
    return f"{pct(successes / total)} (95% CI {pct(low)} - {pct(high)}; {successes} of {total})"


def agreement(first: np.ndarray, second: np.ndarray) -> tuple[int, int]:
    """Per-photo agreement of two answers to the same photos: (photos answered the same, photos)."""
    first, second = np.asarray(first), np.asarray(second)
    if first.shape != second.shape:
        raise ValueError(f"answers to different photos: {first.shape} vs {second.shape}")
    return int((first == second).sum()), int(first.size)


def cat_or_dog(probabilities: np.ndarray) -> np.ndarray:
    """The pretrained network's cat-vs-dog answer per photo: "cat" when cat mass >= dog mass."""
    masses = np.array([answers.cat_dog_mass(p) for p in probabilities]).reshape(-1, 2)
    return np.where(masses[:, 0] >= masses[:, 1], "cat", "dog")


def pet_accuracy(predicted: np.ndarray, truth: np.ndarray) -> dict[str, dict]:
    """Accuracy per class ("cat", "dog") and overall ("all"): correct, total, accuracy, 95% Wilson CI."""
    correct = predicted == truth
    masks = {"cat": truth == "cat", "dog": truth == "dog", "all": np.ones_like(correct)}
    result = {}
    for name, mask in masks.items():
        hits, total = int(correct[mask].sum()), int(mask.sum())
        result[name] = {"correct": hits, "total": total, "accuracy": hits / total if total else 0.0,
                        "ci": wilson_interval(hits, total)}
    return result


def pretrained_accuracy(probabilities: np.ndarray, groups: np.ndarray) -> dict[str, dict]:
    """Cat vs dog (cat if cat mass >= dog mass) on the cat and dog photos: per class and overall."""
    pets = np.isin(groups, ("cat", "dog"))
    return pet_accuracy(cat_or_dog(probabilities[pets]), groups[pets])


def flag_metrics(scores: np.ndarray, positive: np.ndarray, threshold: float) -> dict[str, float]:
    """The signature's rule ("unusual if score >= threshold") at `threshold`: rates in [0, 1], and the
    counts behind them (cats/dogs flagged of cats/dogs, not-catdog caught of not-catdog)."""
    flagged = scores >= threshold
    return {**calibration.flag_metrics(scores, positive, threshold),
            "pets": int((~positive).sum()), "flagged_pets": int(flagged[~positive].sum()),
            "others": int(positive.sum()), "caught_others": int(flagged[positive].sum())}


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
            ("held-out", "0.5, for comparison", metrics(held_out, 0.5)),
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


def speed_ratios(results: dict) -> list[tuple[str, float, float, float]]:
    """Each tf_keras way of running Lite0 against ONNX Runtime, batch 1, p50:
    (what was compared, tf_keras p50 ms, ONNX p50 ms, ratio tf_keras / ONNX)."""
    keras: KerasRun = results["keras"]
    onnx = summary(results["onnx_ms"])["p50"]
    return [
        (f"tf_keras {name} vs ONNX Runtime `ServedModel.predict`", summary(times)["p50"], onnx,
         summary(times)["p50"] / onnx)
        for name, times in (("eager call `model(x, training=False)`", keras.call_ms),
                            ("graph mode `tf.function(model)`", keras.graph_ms),
                            ("`model.predict(x, verbose=0)`", keras.predict_ms))
    ]


def render_performance(results: dict) -> list[str]:
    """Markdown blocks for latency, inference engines and throughput."""
    stages = results["analyze"].stages_ms
    keras: KerasRun = results["keras"]
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
            ("tf_keras `model(x, training=False)` (eager call)", keras.call_ms),
            ("tf_keras `tf.function(model)` (graph mode, traced once)", keras.graph_ms),
            ("tf_keras `model.predict(x, verbose=0)`", keras.predict_ms),
        ])),
        "Ratios of the p50s in this table (batch 1, the same pretrained Lite0 weights, pre-decoded 224x224 "
        "inputs). These are the only speed ratios the benchmark measures; which one to quote depends on what "
        "is compared:",
        table(["what was compared", "tf_keras p50 (ms)", "ONNX Runtime p50 (ms)", "tf_keras / ONNX"],
              [[name, f"{slow:.1f}", f"{fast:.1f}", f"{ratio:.1f}x"] for name, slow, fast, ratio in speed_ratios(results)]),
        f"ONNX Runtime is timed on every photo, tf_keras on {len(keras.predict_ms)} photos spread evenly over "
        f"the set, after {WARMUP_CALLS} warm-up calls per variant. The eager call runs layer by layer in Python; "
        "`tf.function` runs the traced graph alone, the fairest comparison of the two engines; `predict` runs "
        "a traced graph but sets up a data pipeline on every call, which dominates at batch 1. The goal above "
        "uses `predict`, the call a Keras tutorial would use.",
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
        held_pets, held_others = unusual["counts"]["held_out"]["pets"], unusual["counts"]["held_out"]["others"]
        calibration_text = (
            f"kept the pretrained threshold {unusual['threshold']:.3f} (too few pictures that are neither)"
            if unusual["inherited"] else
            f"chose its own unusual threshold, {unusual['threshold']:.3f}, on its calibration half "
            f"({unusual['counts']['calibration']['pets']} test-split cats/dogs, "
            f"{unusual['counts']['calibration']['others']} not-catdog)"
            + (f"; on the held-out half it flags "
               f"{share_with_ci(round(held['false_flags'] * held_pets), held_pets)} of the test-split cats/dogs "
               f"and catches {share_with_ci(round(held['caught'] * held_others), held_others)} of the not-catdog "
               "photos" if held else ""))
        hits = round(run.test_accuracy * run.test_count)
        notes.append(f"- `{name}`: test accuracy {share_with_ci(hits, run.test_count)} on its own test split "
                     f"(a small run, not a quality result); it {calibration_text}.")
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
        "With so few photos per half the intervals are wide: a rate of 0% or 100% on a few dozen photos is "
        f"compatible with several percent. {NOT_CATDOG_NOTE}",
    ]


def accuracy_rows(accuracy: dict[str, dict]) -> list[list]:
    """Rows "class | correct / photos | accuracy | 95% CI" of a pet_accuracy result."""
    return [[name, f"{row['correct']} / {row['total']}", pct(row["accuracy"]),
             f"{pct(row['ci'][0])} - {pct(row['ci'][1])}"] for name, row in accuracy.items()]


def render_preprocessing(run: PreprocessingRun) -> list[str]:
    """Markdown for squashing against centre-cropping, on the same cat and dog photos."""
    squash, crop = pet_accuracy(run.squash, run.truth), pet_accuracy(run.crop, run.truth)
    same, total = agreement(run.squash, run.crop)
    squash_only = int(((run.squash == run.truth) & (run.crop != run.truth)).sum())
    crop_only = int(((run.crop == run.truth) & (run.squash != run.truth)).sum())
    rows = [[f"{name}, {way}", *row[1:]] for way, accuracy in (("squash (served)", squash), ("centre crop", crop))
            for name, row in zip(accuracy, accuracy_rows(accuracy))]
    return [
        "### Squash or centre crop",
        f"The same graph and the same {total} cat and dog photos, with two ways of making the 224x224 input: "
        "the whole photo squashed (what serving does, so the heatmap covers all of it) or the classic ImageNet "
        f"crop (shorter side to {CROP_RESIZE} px, bilinear, then the central 224x224). Answer as above "
        "(cat mass >= dog mass); 95% Wilson intervals.",
        table(["class, input", "correct / photos", "accuracy", "95% CI"], rows),
        f"Per photo, the two inputs give the same answer on {share_with_ci(same, total)} of the photos; "
        f"only the squash is right on {squash_only}, only the crop on {crop_only}. Development numbers on the "
        "whole shared folder. Serving squashes so that the heatmap covers the whole photo, not because it "
        "scores higher here.",
    ]


def render_quality(results: dict) -> list[str]:
    """Markdown blocks for the pretrained cat-vs-dog accuracy and the unusual-score calibration."""
    accuracy, unusual = results["accuracy"], results["unusual"]
    counts = unusual["counts"]

    def rate(hits: int, total: int) -> str:
        return share_with_ci(hits, total)

    return [
        "### Cat vs dog accuracy of the pretrained network",
        "Not trained on our labels: ImageNet classes regrouped into cat and dog. Label from the folder; "
        "prediction = cat when the ImageNet cat-class mass >= the dog-breed mass (`answer.cat_dog_mass`). "
        "Every cat and dog photo of the shared folder: development numbers. 95% Wilson interval.",
        table(["class", "correct / photos", "accuracy", "95% CI"], accuracy_rows(accuracy)),
        *render_preprocessing(results["preprocessing"]),
        "### Unusual score calibration",
        "Score = 1 - (cat mass + dog mass); flagged unusual when score >= threshold (the signature's rule, "
        "`answer.unusual_score`). "
        "Split by the sha256 of the file bytes: first hex digit 0-7 = calibration "
        f"({counts['calibration'][0]} cats/dogs, {counts['calibration'][1]} not-catdog), 8-f = held-out "
        f"({counts['held-out'][0]} cats/dogs, {counts['held-out'][1]} not-catdog). The threshold maximising "
        "balanced accuracy on the calibration split (scanning its unique scores) is "
        f"**{unusual['chosen']:.3f}**; the held-out split was not used to choose it. AUROC (cats/dogs against "
        f"not-catdog): held-out {unusual['auroc']['held-out']:.3f} "
        f"(calibration {unusual['auroc']['calibration']:.3f}). {NOT_CATDOG_NOTE}",
        table(
            ["split", "threshold", "value", "balanced accuracy", "cats/dogs wrongly flagged (95% CI)",
             "not-catdog caught (95% CI)"],
            [[split, name, f"{m['threshold']:.3f}", pct(m["balanced_accuracy"]),
              rate(m["flagged_pets"], m["pets"]), rate(m["caught_others"], m["others"])]
             for split, name, m in unusual["rows"]],
        ),
        "The calibration row is where the threshold was chosen, so it is optimistic by construction; read the "
        "held-out rows, with their intervals.",
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
        f"model `{pretrained.NAME}` v{pretrained.VERSION} (EfficientNet-Lite0, ImageNet-1k, not trained on our labels; its served "
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
    for name, slow, fast, ratio in speed_ratios(results):
        print(f"  {name}: {slow:.1f} ms / {fast:.1f} ms = {ratio:.1f}x")
    preprocessing = results["preprocessing"]
    same, total = agreement(preprocessing.squash, preprocessing.crop)
    print(f"squash {pct(np.mean(preprocessing.squash == preprocessing.truth))}, centre crop "
          f"{pct(np.mean(preprocessing.crop == preprocessing.truth))}, same answer on {same} of {total}")
    rates = ", ".join(f"batch {size}: {rate:.0f}" for size, rate in results["throughput"].items())
    print(f"throughput (images/s): {rates}")
    print(f"pretrained cat vs dog: {pct(accuracy['accuracy'])} "
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
    print("bench: squash or centre crop...", flush=True)
    preprocessing = measure_preprocessing(model, analyze, probabilities)
    groups = np.array([photo.group for photo in analyze.photos])
    machine.update({"tensorflow": keras.tensorflow_version, "tf_keras": keras.tf_keras_version})
    return {
        "machine": machine,
        "analyze": analyze,
        "onnx_ms": onnx_ms,
        "keras": keras,
        "speedup": summary(keras.predict_ms)["p50"] / summary(onnx_ms)["p50"],
        "throughput": throughput,
        "accuracy": pretrained_accuracy(probabilities, groups),
        "preprocessing": preprocessing,
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
