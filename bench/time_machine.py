"""Benchmark the overfitting time machine's cost per epoch and write it to docs/benchmarks.md (`make bench`).

What the pipeline adds to every epoch (training/pipeline/probes.py::ProbeRecorder.record: the 12 probes through
the model in inference mode, the class maps, the evidence map and its per-photo scale, rounding), against the
epoch itself, measured on the real fit (train.fit with the recorder as `after_epoch`) for:

1. the student CNN (the "student-cnn" preset: 128 px inside the graph, a 16 x 16 grid) trained from scratch;
2. EfficientNet-Lite0 transfer learning (the "lite0-finetune" preset): the new final layer ("head", backbone
   frozen), then fine-tuning of the top of the backbone ("fine_tune"), a 7 x 7 grid.

Photos: the first PHOTOS_PER_CLASS cats and dogs by file name of the shared datasets' `catsdogs/`
(`settings.SHARED_DATASETS_DIR`, read in place), split by the pipeline's own split_by_hash. The first epoch
of each stage includes tracing the predict function (shown apart); "steady" is the median of the others.
Only the `## Time machine (make bench)` section of docs/benchmarks.md is rewritten.

Run from the project root: `.venv/bin/python -m bench.time_machine` (about 5 minutes on 2 cores). Times are
milliseconds (ms) unless a name says otherwise; sizes are kB (10^3 bytes) of the stored JSON.
"""
from __future__ import annotations

import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduai.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from bench.analyze import DOC_PATH, machine_info, table, write_section  # noqa: E402
from bench.train import code_version, versions  # noqa: E402

SECTION_HEADING = "## Time machine (make bench)"
CLASS_NAMES = ("cat", "dog")
PHOTOS_PER_CLASS = 150
RUNS = (  # (name, preset, overrides: epochs per stage, no early stopping so every stage runs them all)
    ("student CNN", "student-cnn", {"epochs": 8, "patience": 0}),
    ("Lite0 transfer", "lite0-finetune", {"epochs": 5, "fine_tune_epochs": 4, "patience": 0}),
)


def examples(folder: Path):
    from training.pipeline.data import Example

    found = []
    for label, name in enumerate(CLASS_NAMES):
        for path in sorted((folder / name).glob("*.jpg"))[:PHOTOS_PER_CLASS]:
            found.append(Example(hashlib.sha256(path.read_bytes()).hexdigest(), path, label))
    return found


class EpochClock:
    """Wall time of each epoch, from its first batch to the end of its last callback (the recording included)."""

    def __init__(self):
        import tf_keras as keras

        clock = self

        class _Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                clock.started = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                clock.seconds.append(time.perf_counter() - clock.started)

        self.started, self.seconds, self.callback = 0.0, [], _Callback()


def measure(name: str, preset_name: str, overrides: dict, splits, images: dict) -> list[dict]:
    """Fit one run's stages with the recorder; one row per stage."""
    import tf_keras as keras

    from ml_models.networks import lite0
    from training.pipeline import models, probes, train
    from training.pipeline.augment import build_augmentation
    from training.pipeline.config import preset
    from training.pipeline.data import make_dataset

    config = preset(preset_name, **overrides)
    keras.utils.set_random_seed(config.seed)
    train_data = make_dataset(images["train"], images["train_labels"], batch_size=config.batch_size, shuffle=True,
                              seed=config.seed, augmentation=build_augmentation(config.augment, seed=config.seed))
    val_data = make_dataset(images["validation"], images["validation_labels"], batch_size=config.batch_size)
    recorder = probes.ProbeRecorder.for_splits(splits, images, config.class_names)
    model = models.build_model(config)
    history = train.History()
    stages = [("head" if config.family == "lite0_transfer" else "train", config.learning_rate, config.epochs)]
    if config.family == "lite0_transfer":
        stages.append(("fine_tune", config.fine_tune_learning_rate, config.fine_tune_epochs))
    rows = []
    for stage, learning_rate, epochs in stages:
        if stage == "fine_tune":
            lite0.set_trainable_top(model, config.fine_tune_fraction)
        train.compile_model(model, learning_rate)
        clock, first = EpochClock(), len(recorder.timings_ms)
        train.fit(model, train_data, val_data, stage=stage, epochs=epochs, patience=0, history=history,
                  extra_callbacks=[clock.callback], after_epoch=recorder.record)
        recorded = recorder.timings_ms[first:]
        epoch_ms = [seconds * 1000 for seconds in clock.seconds]
        steady_record, steady_epoch = statistics.median(recorded[1:]), statistics.median(epoch_ms[1:])
        entry = recorder.epochs[-1]
        grid = len(entry["answers"][0]["cam"]), len(entry["answers"][0]["cam"][0])
        rows.append({
            "model": name, "stage": stage, "grid": f"{grid[0]} x {grid[1]}", "epochs": epochs,
            "probes": len(recorder.probes), "epoch_ms": steady_epoch, "record_ms": steady_record,
            "first_record_ms": recorded[0], "share": steady_record / steady_epoch,
            "kb_per_epoch": len(json.dumps(entry, separators=(",", ":"))) / 1000,
        })
        print(f"{name} {stage}: recording {steady_record:.1f} ms per epoch (first {recorded[0]:.1f} ms), "
              f"epoch {steady_epoch / 1000:.2f} s, {100 * steady_record / steady_epoch:.2f} %", flush=True)
    return rows


def render(rows: list[dict], info: dict, *, photos: int, sizes: dict, seconds: float, load_after) -> str:
    lines = [
        SECTION_HEADING, "",
        f"Generated by `make bench` (`bench/time_machine.py`) on {info['date (UTC)']} UTC in {seconds / 60:.1f} min. "
        f"Photos: the first {PHOTOS_PER_CLASS} cats and {PHOTOS_PER_CLASS} dogs by file name of the shared datasets' "
        f"`catsdogs/` ({photos} photos, split by sha256: {sizes['train']} train, {sizes['validation']} validation, "
        f"{sizes['test']} test, unused here). The probes are 12 of the train and validation photos "
        "(`training/pipeline/probes.py`); their answers are recorded after every epoch with that epoch's weights.",
        "", "### Machine", "", table(["", ""], [[key, value] for key, value in info.items()]), "",
        f"Load average after the runs (1 / 5 min): {load_after[0]:.2f} / {load_after[1]:.2f}. Other processes "
        "(tests) may share the 2 cores: the epochs and the recording both slow down then.", "",
        "### Cost per epoch", "",
        "Recording: `ProbeRecorder.record` (the 12 probes through the model, class maps, evidence map, per-photo "
        "scale, rounding). Epoch: from its first batch to the end of its callbacks, the recording included. "
        "Steady: the median over the stage's epochs after the first; the first epoch of a stage also traces the "
        "predict function. Stored: the epoch's JSON in the run's TimeMachine row.", "",
        table(["model", "stage", "grid", "epochs", "recording, steady (ms)", "recording, first epoch (ms)",
               "epoch, steady (s)", "share of the epoch", "stored per epoch (kB)"],
              [[row["model"], f"`{row['stage']}`", row["grid"], row["epochs"], f"{row['record_ms']:.1f}",
                f"{row['first_record_ms']:.1f}", f"{row['epoch_ms'] / 1000:.2f}", f"{100 * row['share']:.2f}%",
                f"{row['kb_per_epoch']:.1f}"] for row in rows]), "",
        "The recording does not grow with the dataset (always 12 photos) while an epoch does, so on a class's "
        f"full dataset its share is smaller still. A 30-epoch student CNN run (the `overfit` preset) stores about "
        f"{30 * next(r['kb_per_epoch'] for r in rows if r['stage'] == 'train'):.0f} kB.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    folder = Path(settings.SHARED_DATASETS_DIR) / "catsdogs"
    if not all((folder / name).is_dir() for name in CLASS_NAMES):
        sys.exit(f"bench.time_machine: shared datasets not found in {folder} (set EDUAI_SHARED_DATASETS)")
    started = time.perf_counter()
    info = machine_info()  # before the runs: the load average is other processes' load
    info.update({key: value for key, value in versions().items() if key in ("tensorflow", "tf_keras")})
    info["code (git)"] = code_version()
    from ml_models.core.contract import INPUT_SIZE
    from training.pipeline.data import load_images, split_by_hash

    photos = examples(folder)
    config_fractions = {"validation_fraction": 0.15, "test_fraction": 0.15}  # the presets' own
    splits = split_by_hash(photos, **config_fractions)
    images = {}
    for split in ("train", "validation"):
        images[split], images[f"{split}_labels"] = load_images(getattr(splits, split), INPUT_SIZE)
    rows = []
    for name, preset_name, overrides in RUNS:
        rows += measure(name, preset_name, overrides, splits, images)
    section = render(rows, info, photos=len(photos), sizes=splits.sizes(), seconds=time.perf_counter() - started,
                     load_after=os.getloadavg())
    write_section(DOC_PATH, section, SECTION_HEADING)
    print(table(["model", "stage", "recording (ms/epoch)", "share of the epoch"],
                [[r["model"], r["stage"], f"{r['record_ms']:.1f}", f"{100 * r['share']:.2f}%"] for r in rows]))


if __name__ == "__main__":
    main()
