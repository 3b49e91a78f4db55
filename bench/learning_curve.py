"""Benchmark "does labeling improve the model?" on the shared cat/dog photos (`make bench-labels`).

Every photo of `settings.SHARED_DATASETS_DIR / "catsdogs" / {cat,dog}` (read in place, never copied
into the repository) is turned into the pretrained EfficientNet-Lite0 embedding (ONNX Runtime, the
"embedding" output, 1280 values), keyed by the sha256 of its file bytes, with its folder as its label.
`labeling.learning_curve.simulate` then compares random and uncertainty sampling, once per
uncertainty measure (for two classes the three measures rank images identically, so their curves
should match: this checks it; it does not describe the queue's three-way shares). Only the `## Labeling: learning curve (make bench-labels)` section of
docs/benchmarks.md is rewritten; other sections are kept.

Run from the project root: `.venv/bin/python -m bench.learning_curve`. Times are seconds (s);
accuracies are fractions in [0, 1], shown as percentages; differences are percentage points.
"""
from __future__ import annotations

import os
import sys
import time
from importlib import metadata
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduai.settings")

import django  # noqa: E402
import numpy as np  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from bench.analyze import DOC_PATH, machine_info, pct, table, write_section  # noqa: E402
from classifier.images import ImageRejected, read_image  # noqa: E402
from labeling import learning_curve as curve  # noqa: E402
from ml_models.core.inference import ServedModel  # noqa: E402
from ml_models.core.preprocess import to_model_input  # noqa: E402
from ml_models.networks import pretrained  # noqa: E402

SECTION_HEADING = "## Labeling: learning curve (make bench-labels)"
CLASS_NAMES = ("cat", "dog")  # folder names under catsdogs/
BATCH_SIZE = 32  # images per ONNX Runtime call while embedding
AT = 500  # random sampling's accuracy at this many labels is the target...
GOAL_RATIO = 0.6  # ...that uncertainty sampling must reach with at most this share of the labels


def catsdogs_dir() -> Path:
    """The shared `catsdogs/` folder from settings; exits with a clear message when it is missing."""
    folder = Path(settings.SHARED_DATASETS_DIR) / "catsdogs"
    if not all((folder / name).is_dir() for name in CLASS_NAMES):
        sys.exit(f"bench-labels: shared datasets not found in {folder} (need {', '.join(CLASS_NAMES)}/); "
                 "set EDUAI_SHARED_DATASETS to the folder that holds catsdogs/.")
    return folder


def embed_photos(model: ServedModel, folder: Path) -> dict:
    """Each photo's embedding (images, 1280) float32, label (its folder), sha256 key; refusals left out."""
    inputs, labels, keys, rejected = [], [], [], []
    started = time.perf_counter()
    for label in CLASS_NAMES:
        for path in sorted((folder / label).glob("*.jpg")):
            try:
                image = read_image(path.read_bytes(), max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES,
                                   max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
            except ImageRejected:
                rejected.append(f"{label}/{path.name}")
                continue
            inputs.append(to_model_input(image.rgb, model.input_size))
            labels.append(label)
            keys.append(image.sha256)
    decoded = time.perf_counter()
    batch = np.stack(inputs)
    embeddings = np.concatenate([model.predict(batch[i:i + BATCH_SIZE])["embedding"]
                                 for i in range(0, len(batch), BATCH_SIZE)])
    return {"embeddings": embeddings, "labels": np.array(labels), "keys": keys, "rejected": rejected,
            "decode_s": decoded - started, "embed_s": time.perf_counter() - decoded}


def run_measure(data: dict, measure: str) -> dict:
    """One simulation with the default settings and `measure`: result, labels needed, time (s)."""
    started = time.perf_counter()
    last_reported = [0.0]

    def progress(done: int, total: int) -> None:
        if done == total or time.perf_counter() - last_reported[0] > 5:
            last_reported[0] = time.perf_counter()
            print(f"bench-labels: {measure}: {done}/{total} models fitted", flush=True)

    result = curve.simulate(data["embeddings"], data["labels"], data["keys"],
                            curve.CurveSettings(measure=measure), progress=progress)
    return {"result": result, "needed": curve.labels_needed(result, at=AT),
            "seconds": time.perf_counter() - started}


# ---------------------------------------------------------------------------- report


def mean_std(mean: float, std: float) -> str:
    """A mean ± std accuracy in percent."""
    return f"{mean * 100:.1f} ± {std * 100:.1f}"


def accuracy_rows(result: dict) -> list[list]:
    """Rows "labels | random | uncertainty | difference (points)", one per size."""
    random, chosen = result["strategies"]["random"], result["strategies"]["uncertainty"]
    return [
        [n, mean_std(random["mean"][i], random["std"][i]), mean_std(chosen["mean"][i], chosen["std"][i]),
         f"{round((chosen['mean'][i] - random['mean'][i]) * 100, 1) + 0.0:+.1f}"]  # + 0.0: no "-0.0"
        for i, n in enumerate(result["sizes"])
    ]


def goal_row(needed: dict, *, apart: bool | None = None) -> list:
    """The goal as a table row: goal, target, measured, PASS/FAIL. `apart` (learning_curve.compare's
    reference_apart): False when at AT labels the two curves are within their spread across seeds; the
    labels-needed figure is then noise, and the goal is "NOT SHOWN" instead of passed."""
    labels = needed["uncertainty_labels"]
    measured = "never" if labels is None else f"{labels} labels ({needed['ratio'] * 100:.0f} % of {AT})"
    passed = labels is not None and labels <= GOAL_RATIO * AT
    verdict = "PASS" if passed else "FAIL"
    if apart is False:
        measured += f"; at {AT} labels the curves are within their spread (± 1 std across seeds)"
        verdict = "NOT SHOWN" if passed else verdict
    return [f"labels uncertainty sampling needs to reach random sampling's mean accuracy at {AT} labels "
            f"({pct(needed['random_accuracy_at'])})", f"<= {GOAL_RATIO * AT:.0f} ({GOAL_RATIO * 100:.0f} %)",
            measured, verdict]


def noise_sentence(result: dict) -> str:
    """Where random and uncertainty sampling are further apart than their spread, in words."""
    compared = curve.compare(result)
    apart = [n for n, flag in zip(result["sizes"], compared["apart"]) if flag]
    rule = ("(bands of mean ± one standard deviation across seeds that do not overlap: |difference| > "
            "std_random + std_uncertainty)")
    if not apart:
        return (f"At every size the two curves are within their spread {rule}: this simulation does not show that "
                "either strategy needs fewer labels.")
    text = f"Sizes at which the two curves are further apart than their spread {rule}: {', '.join(map(str, apart))}."
    if compared["within_spread_from"] is not None:
        text += (f" From {compared['within_spread_from']} labels on they are within it: differences there are "
                 "noise.")
    return text


def path_line(path: dict) -> str:
    """The uncertainty path as "n: mean%" pairs."""
    return ", ".join(f"{n}: {mean * 100:.1f}" for n, mean in zip(path["n"], path["mean"]))


def measure_rows(runs: dict[str, dict]) -> list[list]:
    """Rows per measure: labels needed (first / for good), ratio, same curve as the default, time."""
    default = runs[curve.CurveSettings().measure]["result"]
    rows = []
    for measure, run in runs.items():
        needed, result = run["needed"], run["result"]
        same = (result["strategies"] == default["strategies"]
                and result["uncertainty_path"] == default["uncertainty_path"])
        ratio = f"{needed['ratio'] * 100:.0f} %" if needed["ratio"] is not None else "-"
        rows.append([f"`{measure}`", needed["uncertainty_labels"] or "never",
                     needed["uncertainty_labels_stable"] or "never", ratio, "yes" if same else "no",
                     f"{run['seconds']:.1f}"])
    return rows


def render_section(data: dict, runs: dict[str, dict], machine: dict, runtime_s: float) -> str:
    """The whole section as Markdown."""
    default_measure = curve.CurveSettings().measure
    main = runs[default_measure]
    result, needed = main["result"], main["needed"]
    settings_used = result["settings"]
    path = result["uncertainty_path"]
    labels = list(data["labels"])
    best = int(np.argmax(path["mean"]))
    blocks = [
        SECTION_HEADING,
        f"Generated by `make bench-labels` (`bench/learning_curve.py`) on {machine['date (UTC)']} UTC in "
        f"{runtime_s:.0f} s. Photos: {labels.count('cat')} cats and {labels.count('dog')} dogs "
        "(`catsdogs/` of the shared datasets, label = folder), turned into the 1280-value embedding of "
        f"`{pretrained.NAME}` v{pretrained.VERSION} (ImageNet-pretrained EfficientNet-Lite0, ONNX Runtime)."
        + (f" Refused by `read_image` and left out: {', '.join(data['rejected'])}."
           if data["rejected"] else ""),
        f"Simulation (`labeling/learning_curve.py`): test split = images whose sha256 (first 8 hex digits) "
        f"falls below {settings_used['test_fraction']}, **{result['test_size']} test images** (one image = "
        f"{100 / result['test_size']:.2f} points), the other **{result['pool_size']}** form the pool "
        "to label. "
        f"For each of {result['seeds']} seeds: a scikit-learn `LogisticRegression` head (features "
        "standardised on the pool) is trained on n pool labels chosen at random, or by uncertainty sampling "
        f"(start from {settings_used['initial']} random labels, then repeatedly label the "
        f"max({settings_used['min_batch']}, {settings_used['batch_fraction'] * 100:.0f} % of the labels "
        "so far) "
        f"pool images the head is least sure about, measure `{default_measure}`). Labels come from the "
        "folders, so the simulation assumes perfect labellers. Accuracy on the test split, mean ± standard "
        "deviation over the seeds, in %.",
        "### Machine",
        table(["", ""], [[key, value] for key, value in machine.items()]),
        "### Goal",
        table(["goal", "target", "measured", "result"],
              [goal_row(needed, apart=curve.compare({**result, "labels_needed": {"at": AT}})["reference_apart"])]),
        f"The uncertainty path's mean first reaches that accuracy at {needed['uncertainty_labels']} labels and "
        f"stays at or above it from {needed['uncertainty_labels_stable']} labels on (the path is noisy: the "
        "first crossing can be luck). " + noise_sentence(result),
        "### Test accuracy by number of labels (%)",
        table(["labels", "random", "uncertainty", "uncertainty - random (points)"], accuracy_rows(result)),
        f"Head trained on every pool label ({result['pool_size']}): **{pct(result['pool_accuracy'])}**. "
        "A difference smaller than the spread across seeds, or than a few test images, is within the noise.",
        "### Uncertainty path (labels: mean test accuracy %)",
        f"{len(path['n'])} steps, highest mean {pct(path['mean'][best])} at {path['n'][best]} labels: "
        + path_line(path) + ".",
        "### Uncertainty measures",
        "The simulation has two classes (cat, dog): with two classes least confidence, margin and entropy rank "
        "images identically (each only depends on how far P(cat) is from 50 %), so their curves should be the "
        "same; this checks it. It says nothing about the labeling queue, whose uncertainty orders rank three "
        "shares (cat, dog, neither), where the three measures can differ.",
        table(["measure", "labels to reach random@500 (first)", "(for good)", "share of 500",
               f"same curves as `{default_measure}`", "simulation (s)"], measure_rows(runs)),
        "### Timings",
        table(["step", "time (s)"], [
            [f"read + decode + resize {len(labels)} photos (`read_image`, `to_model_input`)",
             f"{data['decode_s']:.1f}"],
            [f"embed (ONNX Runtime, batches of {BATCH_SIZE})", f"{data['embed_s']:.1f}"],
            *[[f"simulate, `{measure}` ({result['seeds']} seeds, {len(result['sizes'])} random sizes + "
               f"{len(path['n'])} uncertainty steps per seed)", f"{run['seconds']:.1f}"]
              for measure, run in runs.items()],
        ]),
        "Development numbers on the shared folder (its own hash-based test split), "
        "not a held-out test result.",
    ]
    return "\n\n".join(blocks) + "\n"


def main() -> None:
    started = time.perf_counter()
    machine = machine_info()  # before the run, so the load average is other processes' load
    machine["scikit-learn"] = metadata.version("scikit-learn")
    model = ServedModel.load(pretrained.artifact_dir(settings.MODELS_DIR))
    print("bench-labels: embedding the photos...", flush=True)
    data = embed_photos(model, catsdogs_dir())
    seconds = data["decode_s"] + data["embed_s"]
    print(f"bench-labels: {len(data['labels'])} photos embedded in {seconds:.0f} s", flush=True)
    default = curve.CurveSettings().measure
    measures = (default, *(m for m in curve.MEASURES if m != default))
    runs = {measure: run_measure(data, measure) for measure in measures}
    if hasattr(os, "getloadavg"):  # the simulation times grow when other processes share the cores
        load = os.getloadavg()
        machine["load average at end (1 / 5 min)"] = f"{load[0]:.2f} / {load[1]:.2f}"
    write_section(DOC_PATH, render_section(data, runs, machine, time.perf_counter() - started),
                  heading=SECTION_HEADING)
    result, needed = runs[default]["result"], runs[default]["needed"]
    for row in accuracy_rows(result):
        print(f"  {row[0]:>5} labels: random {row[1]} %, uncertainty {row[2]} %")
    print(f"uncertainty sampling reaches random@{AT} ({pct(needed['random_accuracy_at'])}) at "
          f"{needed['uncertainty_labels']} labels (for good from {needed['uncertainty_labels_stable']}); "
          f"simulation {runs[default]['seconds']:.1f} s")
    print(f"wrote {DOC_PATH}")


if __name__ == "__main__":
    main()
