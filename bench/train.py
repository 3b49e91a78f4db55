"""Benchmark the training pipeline on this machine and write it to docs/benchmarks.md (`make bench-train`).

Three runs of `training.pipeline.run.run_pipeline` on the shared cat/dog photos
(`settings.SHARED_DATASETS_DIR / "catsdogs"`, read in place, never copied into the repository), all
on the pipeline's own fixed split (sha256 of the file bytes, stratified, validation 0.15 / test 0.15):

1. the "lite0-finetune" preset with 50% pruning, INT8 exports and 5-fold cross-validation, i.e. a
   full run (fine-tune + CV + pruning + all exports): times, test metrics, epochs, every artifact;
2. the same family pruned to 80% (no CV, no quantization): sparsity, gzip size, accuracy change,
   once with the preset's recovery epochs and once with PRUNE_LONG_EPOCHS of them;
3. the "student-cnn" preset trained from scratch within a 10-minute budget: the number of epochs is
   chosen from a short probe run's measured time per epoch, so the run finishes and exports
   (a `should_stop` budget would raise `Cancelled` and lose the exports).

Only the `## Training (make bench-train)` section of docs/benchmarks.md is rewritten; other sections
are kept. Artifacts go to a temporary folder under `settings.DATA_DIR`, deleted at the end.

Run from the project root: `.venv/bin/python -m bench.train` (the last run, before run 2b was added, took 14.6 min on 2 cores).
Times are seconds (s) unless a name says otherwise; sizes are MB (10^6 bytes); accuracies are
fractions in [0, 1] and differences between them are percentage points.
"""
from __future__ import annotations

import argparse
import gc
import hashlib
import math
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduai.settings")

import django  # noqa: E402
import numpy as np  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from bench import analyze  # noqa: E402
from bench.analyze import agreement, machine_info, pct, share_with_ci, table, wilson_interval, write_section  # noqa: E402
from training.pipeline.config import TrainingConfig, preset  # noqa: E402
from training.pipeline.data import Example, split_by_hash  # noqa: E402

DOC_PATH = analyze.DOC_PATH
SECTION_HEADING = "## Training (make bench-train)"
CLASS_NAMES = ("cat", "dog")  # folder names under catsdogs/, in label order
OUTPUT_DIR = Path(settings.DATA_DIR) / "bench-train"  # temporary; deleted at the end

FULL_PRESET, FULL_OVERRIDES = "lite0-finetune", {"prune_sparsity": 0.5, "quantize": True, "cv_folds": 5}
PRUNE_PRESET, PRUNE_OVERRIDES = "lite0-finetune", {"prune_sparsity": 0.8, "quantize": False, "cv_folds": 0}
PRUNE_LONG_EPOCHS = 6  # "does 80% recover with more epochs?": three times the preset's 2, measured, not assumed
STUDENT_PRESET = "student-cnn"
STUDENT_BUDGET_S = 600.0  # whole run_pipeline wall time: data, fit, evaluate, export, optimize
PROBE_EPOCHS = 3  # the first epoch includes tracing, the others give the steady time per epoch
BUDGET_SAFETY = 0.9  # plan for 90% of the budget: the machine is shared and epochs vary
MAX_STUDENT_EPOCHS = 200  # early stopping (the preset's patience) usually ends the run well before

GOAL_ACCURACY = 0.98  # fine-tuned Lite0, test split
GOAL_INT8_SIZE = 0.30  # INT8 file size as a fraction of the FP32 file of the same format
GOAL_INT8_LOSS_POINTS = 1.0  # accuracy lost by INT8, percentage points
GOAL_FULL_RUN_S = 15 * 60  # full run (fine-tune + CV + pruning + all exports) on ~2,000 images


# ---------------------------------------------------------------------------- data


def catsdogs_dir(folder: Path | None = None) -> Path:
    """The shared `catsdogs/` folder from settings; exits with a clear message when it is missing."""
    folder = Path(folder or settings.SHARED_DATASETS_DIR) / "catsdogs"
    if not all((folder / name).is_dir() for name in CLASS_NAMES):
        sys.exit(f"bench-train: shared datasets not found in {folder} (need {', '.join(CLASS_NAMES)}/); "
                 "set EDUAI_SHARED_DATASETS to the folder that holds catsdogs/.")
    return folder


def load_examples(folder: Path, limit: int | None = None) -> list[Example]:
    """One Example (sha256 of the file bytes, path, class index) per photo, sorted by file name.

    `limit` keeps only the first photos of each class (a quick check of this script, not a benchmark).
    """
    examples = []
    for label, name in enumerate(CLASS_NAMES):
        for path in sorted((folder / name).glob("*.jpg"))[:limit]:
            examples.append(Example(hashlib.sha256(path.read_bytes()).hexdigest(), path, label))
    return examples


def split_fingerprint(examples: list[Example], config: TrainingConfig) -> dict:
    """The pipeline's split of `examples`: sizes per split and class, and a short hash of the test set
    (first 12 hex digits of sha256 over its sorted file hashes) to recognise the same split later."""
    splits = split_by_hash(examples, validation_fraction=config.validation_fraction,
                           test_fraction=config.test_fraction)
    parts = {"train": splits.train, "validation": splits.validation, "test": splits.test}
    test_hash = hashlib.sha256("".join(sorted(e.sha256 for e in splits.test)).encode()).hexdigest()[:12]
    return {
        "counts": {part: {name: sum(e.label == label for e in members) for label, name in enumerate(CLASS_NAMES)}
                   for part, members in parts.items()},
        "test_fingerprint": test_hash,
    }


# ---------------------------------------------------------------------------- runs


@dataclass
class TimedRun:
    """One run_pipeline call: its result, wall time (s), seconds per reported epoch, load afterwards."""

    name: str
    result: object  # training.pipeline.run.PipelineResult
    wall_s: float
    epoch_s: list[float] = field(default_factory=list)  # aligned with result.history
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    test_answers: dict[str, np.ndarray] = field(default_factory=dict)  # file -> predicted class per test photo
    test_labels: np.ndarray | None = None  # true class per test photo, same order


def answers_on_test(folder: Path, result, examples: list[Example]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Every exported classifier file's answer (class index) on each test photo, one photo at a time, so
    two files can be compared photo by photo: (true labels, {file name: predicted labels})."""
    from ml_models.core import contract
    from ml_models.core.inference import OnnxModel
    from training.pipeline.data import load_images
    from training.pipeline.quantize import TfliteRunner

    splits = split_by_hash(examples, validation_fraction=result.config.validation_fraction,
                           test_fraction=result.config.test_fraction)
    images, labels = load_images(splits.test, contract.INPUT_SIZE)
    found = {}
    for row in result.artifacts:
        path = folder / row["file"]
        if row["kind"] == "onnx_served" or not path.exists():
            continue  # the served graph's classifier part is classifier.onnx, measured above
        if path.suffix == ".onnx":
            predict = OnnxModel(path).predict
        elif path.suffix == ".tflite":
            predict = TfliteRunner(path.read_bytes()).predict
        else:
            continue  # the Keras weights file is not a runnable model on its own
        found[row["file"]] = np.array([np.asarray(predict(images[i:i + 1])["probabilities"]).argmax(axis=1)[0]
                                       for i in range(len(images))])
    return np.asarray(labels), found


class _Clock:
    """on_stage / on_epoch callbacks: print progress and time each epoch (s since the previous
    epoch ended, or since the fit stage started; the first epoch of a stage includes tracing)."""

    def __init__(self, name: str):
        self.name, self.started, self.mark, self.epoch_s = name, time.perf_counter(), None, []

    def stage(self, stage: str, progress: float) -> None:
        now = time.perf_counter()
        if stage == "fit":
            self.mark = now
        print(f"bench-train [{self.name}] {now - self.started:7.1f} s: {stage}", flush=True)

    def epoch(self, stage: str, epoch: int, row: dict) -> None:
        now = time.perf_counter()
        self.epoch_s.append(now - (self.mark or now))
        self.mark = now
        metrics = ", ".join(f"{key} {value:.4f}" for key, value in row.items() if isinstance(value, float))
        print(f"bench-train [{self.name}]   {stage} epoch {epoch} ({self.epoch_s[-1]:.1f} s): {metrics}",
              flush=True)


def run_timed(name: str, config: TrainingConfig, examples: list[Example]) -> TimedRun:
    """run_pipeline into a fresh folder under OUTPUT_DIR, timed; the folder is deleted afterwards."""
    import tf_keras as keras

    from training.pipeline.run import run_pipeline

    folder = OUTPUT_DIR / name
    shutil.rmtree(folder, ignore_errors=True)
    clock = _Clock(name)
    started = time.perf_counter()
    try:
        result = run_pipeline(config, examples, folder, name=f"bench-{name}", version=1,
                              on_stage=clock.stage, on_epoch=clock.epoch)
        wall_s = time.perf_counter() - started  # the answers below are the benchmark's, not the run's
        labels, answers = answers_on_test(folder, result, examples)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"bench-train [{name}] done in {wall_s:.1f} s: test accuracy "
          f"{pct(result.test_metrics['accuracy'])}", flush=True)
    keras.backend.clear_session()  # the next run starts from a clean graph; frees the old model
    gc.collect()
    return TimedRun(name, result, wall_s, clock.epoch_s, os.getloadavg(), answers, labels)


@dataclass(frozen=True)
class StudentPlan:
    """How many epochs of the student CNN fit the budget, from a probe run (all times in s)."""

    probe_epochs: int
    first_epoch_s: float  # includes tf.function tracing
    steady_epoch_s: float  # median of the later probe epochs
    overhead_s: float  # everything but the fit stage: data, evaluate, export, optimize
    budget_s: float
    epochs: int


def plan_student(probe: TimedRun, budget_s: float) -> StudentPlan:
    """Epochs = 1 + what fits of BUDGET_SAFETY x budget after the probe's non-fit stages and first epoch."""
    first, steady = probe.epoch_s[0], float(np.median(probe.epoch_s[1:]))
    overhead = probe.wall_s - probe.result.timings_s["fit"]
    room = budget_s * BUDGET_SAFETY - overhead - first
    epochs = max(1, min(MAX_STUDENT_EPOCHS, 1 + math.floor(room / steady)))
    return StudentPlan(len(probe.epoch_s), first, steady, overhead, budget_s, epochs)


# ---------------------------------------------------------------------------- derived numbers


def artifact(run: TimedRun, name: str) -> dict:
    """The artifact row called `name` (e.g. "ONNX INT8"), or the first whose name starts with it."""
    rows = run.result.artifacts
    return next((row for row in rows if row["artifact"] == name),
                next(row for row in rows if row["artifact"].startswith(name)))


def size_ratio(run: TimedRun, small: str, big: str) -> float:
    """Size of artifact `small` as a fraction of artifact `big` (bytes / bytes)."""
    return artifact(run, small)["size_bytes"] / artifact(run, big)["size_bytes"]


def points(after: float, before: float) -> float:
    """Accuracy change in percentage points (negative = lost)."""
    return (after - before) * 100


def correct_count(test_metrics: dict) -> int:
    """Correct test predictions: the confusion matrix's diagonal."""
    return int(np.trace(np.array(test_metrics["confusion_matrix"])))


def accuracy_with_ci(accuracy: float, total: int) -> str:
    """"98.0% (95% CI 95.7% - 99.1%, n=300)" for an accuracy measured on `total` images."""
    low, high = wilson_interval(round(accuracy * total), total)
    return f"{pct(accuracy)} (95% CI {pct(low)} - {pct(high)}, n={total})"


def correct_of(run: TimedRun, row: dict) -> tuple[int, int]:
    """(correct test photos, test photos) of an artifact row: counted from its answers when the benchmark
    has them, else from the harness's accuracy."""
    answers = run.test_answers.get(row["file"])
    if answers is not None and run.test_labels is not None:
        return int((answers == run.test_labels).sum()), len(answers)
    total = run.result.test_metrics["count"]
    return round(row["accuracy"] * total), total


def int8_comparisons(run: TimedRun) -> list[dict]:
    """ONNX and TFLite: INT8 size as a fraction of FP32, the accuracy change in points, both accuracies as
    (correct, photos), and the per-photo agreement of the two files (photos answered the same, photos)."""
    comparisons = []
    for fmt, int8, fp32 in (("ONNX", "ONNX INT8", "ONNX"), ("TFLite", "TFLite int8", "TFLite fp32")):
        small, big = artifact(run, int8), artifact(run, fp32)
        answers_small, answers_big = run.test_answers.get(small["file"]), run.test_answers.get(big["file"])
        (hits_small, total_small), (hits_big, total_big) = correct_of(run, small), correct_of(run, big)
        comparisons.append({
            "format": fmt, "int8": int8, "fp32": fp32, "size_ratio": size_ratio(run, int8, fp32),
            "points": points(hits_small / total_small, hits_big / total_big),
            "int8_correct": (hits_small, total_small), "fp32_correct": (hits_big, total_big),
            "agreement": agreement(answers_small, answers_big)
            if answers_small is not None and answers_big is not None else None,
        })
    return comparisons


def comparison_text(c: dict) -> str:
    """Both accuracies with their intervals and the per-photo agreement, in one sentence."""
    same = (f"; the two give the same answer on {share_with_ci(*c['agreement'])} of the test photos"
            if c["agreement"] else "")
    return (f"{c['format']} FP32 {share_with_ci(*c['fp32_correct'])} correct, {c['format']} INT8 "
            f"{share_with_ci(*c['int8_correct'])} ({c['points']:+.1f} points){same}")


def pruning_summary(run: TimedRun) -> dict:
    """Target and measured sparsity, pruned vs unpruned ONNX (same run): sizes (bytes), gzip, accuracy."""
    pruned, dense = artifact(run, "ONNX pruned"), artifact(run, "ONNX")
    return {
        "target": run.result.config.prune_sparsity,
        "measured": run.result.pruning["measured_sparsity"],
        "size_bytes": pruned["size_bytes"],
        "gzip_bytes": pruned["compressed_size_bytes"],
        "dense_gzip_bytes": dense["compressed_size_bytes"],
        "gzip_ratio": pruned["compressed_size_bytes"] / dense["compressed_size_bytes"],
        "accuracy": pruned["accuracy"],
        "dense_accuracy": dense["accuracy"],
        "points": points(pruned["accuracy"], dense["accuracy"]),
        "latency_p50_ms": pruned["latency_p50_ms"],
        "epochs": run.result.pruning["epochs"],
    }


# ---------------------------------------------------------------------------- report


def mb(size_bytes: float) -> str:
    """Bytes as MB (10^6 bytes), two decimals."""
    return f"{size_bytes / 1e6:.2f}"


def fmt(value, digits: int = 4) -> str:
    """A float with `digits` decimals, or an en dash when missing."""
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "–"


def prune_history_rows(run: TimedRun) -> list[dict]:
    """The recovery epochs of pruning as history rows (stage "prune"), numbered after the fit epochs."""
    history = (run.result.pruning or {}).get("history") or {}

    def series(name: str) -> list[float]:
        alias = name.replace("val_", "val_probabilities_") if name.startswith("val_") else f"probabilities_{name}"
        return history.get(name) or history.get(alias) or []

    columns = {name: series(name) for name in ("loss", "accuracy", "val_loss", "val_accuracy")}
    count = max((len(values) for values in columns.values()), default=0)
    offset = len(run.result.history)
    return [{"stage": f"prune {run.result.config.prune_sparsity:.0%}", "epoch": offset + i + 1,
             **{name: values[i] for name, values in columns.items() if i < len(values)}}
            for i in range(count)]


def epoch_table(run: TimedRun) -> str:
    """Stage, epoch, loss, accuracy, val_loss, val_accuracy and seconds, for every epoch of the run."""
    rows = []
    for index, row in enumerate(run.result.history + prune_history_rows(run)):
        seconds = f"{run.epoch_s[index]:.0f}" if index < len(run.epoch_s) else "–"
        rows.append([row["stage"], row["epoch"], fmt(row.get("loss")), fmt(row.get("accuracy")),
                     fmt(row.get("val_loss")), fmt(row.get("val_accuracy")), seconds])
    return table(["stage", "epoch", "loss", "accuracy", "val_loss", "val_accuracy", "time (s)"], rows)


def stage_table(run: TimedRun) -> str:
    """Seconds per pipeline stage and the total wall time of the run_pipeline call."""
    rows = [[stage, f"{seconds:.0f}"] for stage, seconds in run.result.timings_s.items()]
    rows.append(["**total (wall clock)**", f"**{run.wall_s:.0f}** ({run.wall_s / 60:.1f} min)"])
    return table(["stage", "time (s)"], rows)


def class_table(test_metrics: dict) -> str:
    """Precision, recall, F1 and support per class on the test split, and the confusion matrix."""
    rows = [[name, pct(m["precision"]), pct(m["recall"]), pct(m["f1"]), m["support"]]
            for name, m in test_metrics["per_class"].items()]
    names = list(test_metrics["per_class"])
    confusion = "; ".join(
        f"true {name}: " + ", ".join(f"{count} predicted {names[j]}" for j, count in enumerate(line))
        for name, line in zip(names, test_metrics["confusion_matrix"]))
    return table(["class", "precision", "recall", "F1", "test images"], rows) + f"\n\nConfusion matrix: {confusion}."


def artifact_table(run: TimedRun) -> str:
    """Every exported artifact, measured with the pipeline's one harness on the test split."""
    total = run.result.test_metrics["count"]
    rows = []
    for row in run.result.artifacts:
        low, high = wilson_interval(round(row["accuracy"] * total), total)
        gzip_mb = mb(row["compressed_size_bytes"]) if "compressed_size_bytes" in row else "–"
        rows.append([row["artifact"], f"`{row['file']}`", row["precision"], mb(row["size_bytes"]), gzip_mb,
                     f"{row['latency_p50_ms']:.1f}", pct(row["accuracy"]), f"{pct(low)} - {pct(high)}"])
    return table(["artifact", "file", "precision", "size (MB)", "gzip (MB)", "latency p50 (ms, batch 1)",
                  "test accuracy", "95% CI"], rows)


def goals(results: dict) -> list[list]:
    """The issue's goals as table rows: goal, target, measured, PASS/FAIL."""
    full: TimedRun = results["full"]
    accuracy, total = full.result.test_metrics["accuracy"], full.result.test_metrics["count"]
    low, _high = wilson_interval(round(accuracy * total), total)
    verdict = ("PASS" if low >= GOAL_ACCURACY else
               "PASS on the point estimate only: the 95% CI reaches below the target" if accuracy >= GOAL_ACCURACY
               else "FAIL")
    rows = [["fine-tuned Lite0, test accuracy (test split, predicted once after training)", f">= {pct(GOAL_ACCURACY)}",
             accuracy_with_ci(accuracy, total), verdict]]
    for c in int8_comparisons(full):
        ok = c["size_ratio"] <= GOAL_INT8_SIZE and -c["points"] <= GOAL_INT8_LOSS_POINTS
        rows.append([f"{c['format']} INT8 (`{c['int8']}`) vs {c['format']} FP32 (`{c['fp32']}`)",
                     f"<= {GOAL_INT8_SIZE:.0%} of FP32 size, <= {GOAL_INT8_LOSS_POINTS:.0f} point lost",
                     f"{pct(c['size_ratio'])} of FP32; {comparison_text(c)}",
                     ("PASS on the point estimates (one test photo is "
                      f"{100 / c['fp32_correct'][1]:.2f} points)") if ok else "FAIL"])
    images = sum(full.result.splits.values())
    rows.append([f"full run (fine-tune + CV + pruning + all exports), {images} images",
                 f"< {GOAL_FULL_RUN_S / 60:.0f} min on 2 cores",
                 f"{full.wall_s / 60:.1f} min on {os.cpu_count()} cores (load average after: "
                 f"{full.load_after[0]:.2f})", "PASS" if full.wall_s < GOAL_FULL_RUN_S else "FAIL"])
    return rows


def render_split(results: dict) -> list[str]:
    """The data and the split every run used."""
    split = results["split"]
    counts = split["counts"]
    return [
        "### Data and split",
        f"Photos: `catsdogs/cat` and `catsdogs/dog` of the shared datasets, read in place "
        f"({results['images']} images, class names {', '.join(CLASS_NAMES)}). Every run uses the pipeline's "
        "own fixed split, `training.pipeline.data.split_by_hash`: within each class the photos are ordered "
        "by the sha256 of their file bytes; the first 15% are the test split, the next 15% validation, the "
        "rest train (stratified, no seed, the same split every time). Test set fingerprint "
        f"`{split['test_fingerprint']}` (sha256 of its sorted file hashes, first 12 hex digits).",
        table(["split", *CLASS_NAMES, "total"],
              [[part, *by_class.values(), sum(by_class.values())] for part, by_class in counts.items()]),
        "**Development numbers.** These photos are the project's development set (Kaggle Dogs vs. Cats); "
        "they are not held out from other sources. Inside every run, each choice is made on the validation "
        "split only (early stopping and the weights it keeps, the reading of the learning curves; the pruning "
        "recovery only reports it); the "
        "student's number of epochs comes from a probe run's times, not from its accuracy. The test split is "
        "predicted once, after training, by each exported file, and each number below is that one prediction "
        "with its 95% Wilson interval (n = the test photos). The presets' settings were fixed before this "
        "benchmark and are not tuned by it; earlier versions of this report showed their test accuracies, so "
        "treat the test split as a development split, not as a clean held-out test. "
        "Test accuracies below are on the test split of this folder only; expect lower numbers on photos "
        "from other sources (the reference numbers in DESIGN.md are on such photos and are not directly "
        "comparable). Each configuration ran once: training on CPU with several threads is not bit-for-bit "
        "repeatable, so a rerun moves the numbers by about the width of the confidence intervals.",
    ]


def render_full(results: dict) -> list[str]:
    """Run 1: the full Lite0 run."""
    full: TimedRun = results["full"]
    r = full.result
    test = r.test_metrics
    cv = r.cross_validation or {}
    folds = ", ".join(pct(a) for a in cv.get("accuracy_per_fold", []))
    overrides = ", ".join(f"{key}={value}" for key, value in FULL_OVERRIDES.items())
    comparisons = int8_comparisons(full)
    pruned = pruning_summary(full)
    return [
        "### 1. Fine-tuned EfficientNet-Lite0: a full run",
        f"Preset `{FULL_PRESET}` with {overrides}: {r.config.epochs} head epochs (lr {r.config.learning_rate:g}), "
        f"then {r.config.fine_tune_epochs} fine-tuning epochs of the top {r.config.fine_tune_fraction:.0%} of the "
        f"backbone (lr {r.config.fine_tune_learning_rate:g}), early stopping patience {r.config.patience}, "
        f"augmentation on; then pruning to {r.config.prune_sparsity:.0%} with {r.config.prune_epochs} recovery "
        "epochs and every export. Wall time of the `run_pipeline` call and of each stage:",
        stage_table(full),
        f"Test accuracy (Keras model, before pruning): **{accuracy_with_ci(test['accuracy'], test['count'])}**, "
        f"{correct_count(test)} of {test['count']} correct; ROC AUC {fmt(test['roc_auc'])}.",
        class_table(test),
        f"Cross-validation ({cv.get('folds', 0)} folds over train + validation, "
        f"{r.splits['train'] + r.splits['validation']} images): **{pct(cv['accuracy_mean'])} ± "
        f"{pct(cv['accuracy_std'])}** (mean ± std; folds {folds}). What is cross-validated: {cv['what']}."
        if cv else "Cross-validation: skipped (too few images per class for the folds).",
        f"Epochs (the validation split drives early stopping; weights kept from epoch {r.curves['kept_epoch']}; "
        f"overfitting (`read_curves`): {'from epoch %s' % r.curves['overfitting']['from_epoch'] if r.curves['overfitting'] else 'not detected'}); "
        "time = seconds since the previous epoch ended, so the first epoch of a stage includes tracing:",
        epoch_table(full),
        "Artifacts, each measured with the pipeline's one harness (`quantize.measure_artifact`) on the "
        f"{test['count']} test images: file size, batch-1 latency p50 and accuracy. The Keras row is the "
        "weights file (`save_weights`); gzip is measured for the pruned file and the ONNX FP32 file it "
        "is compared with.",
        artifact_table(full),
        "Derived, on the same test photos: " + "; ".join(
            f"{c['format']} INT8 is **{pct(c['size_ratio'])}** of {c['format']} FP32 in size; {comparison_text(c)}"
            for c in comparisons)
        + f"; ONNX pruned {pruned['target']:.0%} (measured sparsity {pct(pruned['measured'])}): gzip "
        f"{pct(pruned['gzip_ratio'])} of the unpruned ONNX gzip, accuracy {pruned['points']:+.1f} points. "
        "A change of a point or less is within the intervals: it is what the test split can show, not proof "
        "that nothing was lost; the agreement says on how many photos the smaller file answers differently.",
    ]


def pruning_verdict(short: dict, long: dict) -> str:
    """What PRUNE_LONG_EPOCHS recovery epochs did at 80% against the preset's, in words, from the test split."""
    a, b = short["accuracy_counts"], long["accuracy_counts"]
    low_a, high_a = wilson_interval(*a)
    low_b, high_b = wilson_interval(*b)
    if low_b > high_a:
        return "the longer recovery scored higher, and the intervals do not overlap: more recovery epochs helped here"
    if high_b < low_a:
        return "the longer recovery scored lower, and the intervals do not overlap: more epochs did not help here"
    return "the intervals overlap, so this run cannot tell whether more recovery epochs help"


def render_pruning(results: dict) -> list[str]:
    """Run 2 (and 2b, with more recovery epochs) next to run 1's pruning: what 80% sparsity costs and saves."""
    runs = [("full run (1)", results["full"]), ("pruning run (2)", results["prune"])]
    if results.get("prune_long"):
        runs.append((f"pruning run (2b), {PRUNE_LONG_EPOCHS} recovery epochs", results["prune_long"]))
    rows, summaries = [], {}
    for label, run in runs:
        p = pruning_summary(run)
        p["accuracy_counts"] = correct_of(run, artifact(run, "ONNX pruned"))
        summaries[label] = p
        rows.append([f"{p['target']:.0%}, {label}", p["epochs"], pct(p["measured"]), mb(p["size_bytes"]),
                     mb(p["dense_gzip_bytes"]), mb(p["gzip_bytes"]), pct(p["gzip_ratio"]),
                     share_with_ci(*correct_of(run, artifact(run, "ONNX"))),
                     share_with_ci(*p["accuracy_counts"]), f"{p['points']:+.1f}", f"{p['latency_p50_ms']:.1f}"])
    prune: TimedRun = results["prune"]
    overrides = ", ".join(f"{key}={value}" for key, value in PRUNE_OVERRIDES.items())
    blocks = [
        f"### 2. Pruning to {PRUNE_OVERRIDES['prune_sparsity']:.0%}",
        f"Preset `{PRUNE_PRESET}` with {overrides}: trained like run 1 (a run of its own, so its unpruned "
        "baseline can differ slightly from run 1's), then magnitude pruning "
        f"(tfmot, polynomial schedule) with {prune.result.config.prune_epochs} recovery epochs; "
        f"{prune.wall_s:.0f} s ({prune.wall_s / 60:.1f} min) wall time; the model before pruning scored "
        f"{accuracy_with_ci(prune.result.test_metrics['accuracy'], prune.result.test_metrics['count'])} on the "
        "test split. Sparsity is the fraction of exactly-zero "
        "kernel weights in the prunable (convolution and dense) layers. Pruned weights are still stored as "
        "float32 zeros, so the file keeps its size; the saving shows after compression (gzip). Each row "
        "compares with the unpruned ONNX FP32 export of the same run.",
        table(["target sparsity", "recovery epochs", "measured sparsity", "ONNX size (MB)", "unpruned gzip (MB)",
               "pruned gzip (MB)", "gzip vs unpruned", "unpruned test accuracy (95% CI)", "pruned test accuracy (95% CI)",
               "change (points)", "latency p50 (ms)"], rows),
    ]
    if results.get("prune_long"):
        long = results["prune_long"]
        short_label, long_label = runs[1][0], runs[2][0]
        blocks.append(
            f"Run 2b is run 2 again with {PRUNE_LONG_EPOCHS} recovery epochs instead of "
            f"{prune.result.config.prune_epochs} ({long.wall_s:.0f} s wall time), to check, rather than assume, "
            f"whether 80% sparsity recovers with more epochs: "
            f"{pruning_verdict(summaries[short_label], summaries[long_label])}. One run each, so a rerun can move "
            "these numbers.")
    blocks += [
        "Recovery epochs while pruning (the schedule raises sparsity from 0 to the target over the first "
        "two thirds of the steps); accuracy is on augmented training batches, val_accuracy on the validation split:",
        table(["run", "epoch", "loss", "accuracy", "val_loss", "val_accuracy"],
              [[label, row["epoch"], fmt(row.get("loss")), fmt(row.get("accuracy")), fmt(row.get("val_loss")),
                fmt(row.get("val_accuracy"))] for label, run in runs for row in prune_history_rows(run)]),
    ]
    return blocks


def render_student(results: dict) -> list[str]:
    """Run 3: the student CNN from scratch within the budget, and how its epochs were chosen."""
    student: TimedRun = results["student"]
    plan: StudentPlan = results["student_plan"]
    r = student.result
    test = r.test_metrics
    ran = len(r.history)
    stopped = ("stopped early by validation loss (patience "
               f"{r.config.patience}, best weights kept)" if ran < plan.epochs else "ran every planned epoch")
    overfit = (f"validation loss was lowest at epoch **{r.curves['best_epoch']}**, whose weights were kept "
               f"(epoch {r.curves['kept_epoch']}); overfitting (`read_curves`: validation loss trending up while "
               "training loss falls): " + (f"from epoch {r.curves['overfitting']['from_epoch']}, the gap between "
               f"validation and training loss growing from {r.curves['overfitting']['gap_at_start']:.3f} to "
               f"{r.curves['overfitting']['gap']:.3f}" if r.curves["overfitting"] else "not detected"))
    within = "within" if student.wall_s <= plan.budget_s else "**over**"
    if ran < plan.epochs:
        within += (f" the budget: early stopping, not the budget, ended the run, after "
                   f"{pct(student.wall_s / plan.budget_s)} of it")
    else:
        within += " the budget"
    return [
        f"### 3. Student CNN from scratch, {plan.budget_s / 60:.0f}-minute budget",
        f"Preset `{STUDENT_PRESET}` ({r.config.image_size}x{r.config.image_size} input, "
        f"lr {r.config.learning_rate:g}, dropout {r.config.dropout}, patience {r.config.patience}, augmentation on). "
        f"The budget is the whole `run_pipeline` wall time. A probe run of {plan.probe_epochs} epochs "
        f"({results['probe'].wall_s:.0f} s) measured the first epoch at {plan.first_epoch_s:.1f} s (with tracing), "
        f"later epochs at {plan.steady_epoch_s:.1f} s (median) and everything but the fit stage at "
        f"{plan.overhead_s:.0f} s; planning for {BUDGET_SAFETY:.0%} of the budget gives "
        f"**epochs = {plan.epochs}** (1 + floor(({plan.budget_s:.0f} x {BUDGET_SAFETY} - overhead - first epoch) / "
        "later epoch)). A `should_stop` budget was not used: it raises `Cancelled`, which abandons the export.",
        f"Result: test accuracy **{accuracy_with_ci(test['accuracy'], test['count'])}**, ROC AUC "
        f"{fmt(test['roc_auc'])}; **{ran} epochs** run ({stopped}); wall time **{student.wall_s:.0f} s** "
        f"({student.wall_s / 60:.1f} min, {within}); {overfit}.",
        stage_table(student),
        class_table(test),
        artifact_table(student),
        "<details><summary>Every epoch of the student CNN</summary>\n\n" + epoch_table(student) + "\n\n</details>",
    ]


def render_section(results: dict) -> str:
    """The whole `## Training (make bench-train)` section as Markdown."""
    machine = results["machine"]
    runs = [("1. Lite0 full run", results["full"]), ("2. Lite0 pruning 80%", results["prune"]),
            *([(f"2b. Lite0 pruning 80%, {PRUNE_LONG_EPOCHS} recovery epochs", results["prune_long"])]
              if results.get("prune_long") else []),
            ("student probe", results["probe"]), ("3. student CNN", results["student"])]
    blocks = [
        SECTION_HEADING,
        f"Generated by `make bench-train` (`bench/train.py`) on {machine['date (UTC)']} UTC in "
        f"{results['runtime_s'] / 60:.1f} min: {len(runs)} `run_pipeline` calls, one after the other, one run each."
        + (f" **Quick check with {results['limit']} photos per class: not a benchmark.**" if results["limit"] else ""),
        "### Machine",
        table(["", ""], [[key, value] for key, value in machine.items()]),
        "Other processes (tests) may run at the same time: the load average at the start is above, and after "
        "each run here; on 2 cores a load above 2 means the runs were sharing the CPU and took longer.",
        table(["run", "wall time (s)", "load average after (1 / 5 min)"],
              [[name, f"{run.wall_s:.0f}", f"{run.load_after[0]:.2f} / {run.load_after[1]:.2f}"] for name, run in runs]),
        "### Goals",
        table(["goal", "target", "measured", "result"], goals(results)),
        *render_split(results),
        *render_full(results),
        *render_pruning(results),
        *render_student(results),
    ]
    return "\n\n".join(blocks) + "\n"


def print_summary(results: dict, doc_path: Path) -> None:
    """The headline numbers on stdout."""
    full, prune, student = results["full"], results["prune"], results["student"]
    test = full.result.test_metrics
    print(f"Lite0 full run: {full.wall_s / 60:.1f} min; test {accuracy_with_ci(test['accuracy'], test['count'])}; "
          f"stages {full.result.timings_s}")
    cv = full.result.cross_validation
    if cv:
        print(f"  CV {pct(cv['accuracy_mean'])} ± {pct(cv['accuracy_std'])}")
    for row in full.result.artifacts:
        print(f"  {row['artifact']}: {mb(row['size_bytes'])} MB, p50 {row['latency_p50_ms']:.1f} ms, "
              f"accuracy {pct(row['accuracy'])}")
    for c in int8_comparisons(full):
        print(f"  {c['format']} INT8: {pct(c['size_ratio'])} of FP32 size; {comparison_text(c)}")
    for run in (full, prune, results["prune_long"]):
        p = pruning_summary(run)
        print(f"pruning {p['target']:.0%}: measured {pct(p['measured'])}, gzip {pct(p['gzip_ratio'])} of unpruned, "
              f"{p['points']:+.1f} points ({p['epochs']} recovery epochs)")
    stest = student.result.test_metrics
    print(f"student CNN: {len(student.result.history)} epochs (planned {results['student_plan'].epochs}), "
          f"{student.wall_s / 60:.1f} min, test {accuracy_with_ci(stest['accuracy'], stest['count'])}, "
          f"weights kept from epoch {student.result.curves['kept_epoch']}, overfitting {student.result.curves['overfitting']}")
    for goal, target, measured, verdict in goals(results):
        print(f"goal {verdict}: {goal} ({target}): {measured}")
    print(f"wrote {doc_path} in {results['runtime_s'] / 60:.1f} min")


def versions() -> dict[str, str]:
    """Versions of the training libraries (those installed)."""
    found = {}
    for package in ("tensorflow", "tf_keras", "tensorflow-model-optimization", "onnx", "tf2onnx", "ai-edge-litert"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return found


def code_version() -> str:
    """The git commit of the code measured, and which pipeline files differ from it (uncommitted)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", "training", "ml_models"], cwd=root,
                                 capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    files = [line[3:] for line in changed if line.strip()]
    return f"`{commit}`" + (f" + uncommitted changes in {', '.join(files)}" if files else "")


def run(limit: int | None = None, student_budget_s: float = STUDENT_BUDGET_S) -> dict:
    """The three runs (and the student probe), in order, each on the same examples and split."""
    started = time.perf_counter()
    machine = machine_info()  # before the runs, so the load average is other processes' load
    machine.update(versions())
    machine["code (git)"] = code_version()
    examples = load_examples(catsdogs_dir(), limit)
    full_config = preset(FULL_PRESET, class_names=CLASS_NAMES, **FULL_OVERRIDES)
    print(f"bench-train: {len(examples)} photos; output in {OUTPUT_DIR} (deleted at the end)", flush=True)
    try:
        full = run_timed("lite0-full", full_config, examples)
        prune = run_timed("lite0-prune80", preset(PRUNE_PRESET, class_names=CLASS_NAMES, **PRUNE_OVERRIDES), examples)
        prune_long = run_timed("lite0-prune80-long", preset(PRUNE_PRESET, class_names=CLASS_NAMES, **PRUNE_OVERRIDES,
                                                            prune_epochs=PRUNE_LONG_EPOCHS), examples)
        probe = run_timed("student-probe", preset(STUDENT_PRESET, class_names=CLASS_NAMES, epochs=PROBE_EPOCHS),
                          examples)
        plan = plan_student(probe, student_budget_s)
        print(f"bench-train: student CNN plan {plan}", flush=True)
        student = run_timed("student", preset(STUDENT_PRESET, class_names=CLASS_NAMES, epochs=plan.epochs), examples)
    finally:
        shutil.rmtree(OUTPUT_DIR, ignore_errors=True)
    return {
        "machine": machine,
        "limit": limit,
        "images": len(examples),
        "split": split_fingerprint(examples, full_config),
        "full": full,
        "prune": prune,
        "prune_long": prune_long,
        "probe": probe,
        "student_plan": plan,
        "student": student,
        "runtime_s": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None,
                        help="only the first N photos of each class (a quick check of this script)")
    parser.add_argument("--student-budget", type=float, default=STUDENT_BUDGET_S,
                        help="student CNN budget in seconds (default %(default)s)")
    parser.add_argument("--doc", type=Path, default=DOC_PATH, help="Markdown file to write (default %(default)s)")
    args = parser.parse_args()
    results = run(args.limit, args.student_budget)
    write_section(args.doc, render_section(results), heading=SECTION_HEADING)
    print_summary(results, args.doc)


if __name__ == "__main__":
    main()
