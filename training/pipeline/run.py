"""The whole training pipeline, top to bottom: data -> cross-validation -> fit -> evaluate -> export
-> calibrate -> optimize.

Pure Keras and plain files (no Django): a management command, a worker job or a notebook calls
`run_pipeline` with the labelled examples, a folder to write to and optional progress callbacks.
The version it writes follows the model contract (ml_models/core/contract.py): one served graph
(`model.onnx`) with the classifier's outputs and the ImageNet outputs for tags and the unusual
score, whose threshold is calibrated here on pictures training never used.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402

from ml_models.core import contract, explain, int8  # noqa: E402
from ml_models.core.artifacts import ONNX_FILE, ONNX_INT8_FILE, ArtifactError, Manifest, sha256_of  # noqa: E402
from ml_models.core.inference import OnnxModel  # noqa: E402
from ml_models.networks import lite0, pretrained, serving  # noqa: E402
from ml_models.networks.explain import export_explain  # noqa: E402
from ml_models.networks.export import check_parity, export_onnx  # noqa: E402
from training.pipeline import cv, evaluate, models, probes, prune, quantize, train  # noqa: E402
from training.pipeline.augment import build_augmentation  # noqa: E402
from training.pipeline.calibrate import calibrate_unusual, unusual_scores  # noqa: E402
from training.pipeline.config import TrainingConfig  # noqa: E402
from training.pipeline.data import Example, Splits, load_images, make_dataset, split_by_hash  # noqa: E402

KERAS_WEIGHTS_FILE = "keras.weights.h5"
CLASSIFIER_FILE = "classifier.onnx"  # the classifier alone: the baseline its smaller variants are compared with
KIND = "classifier"
STAGES = ("data", "cross_validation", "fit", "evaluate", "export", "calibrate", "optimize")
REPRESENTATIVE_IMAGES = 100  # training images used to calibrate INT8 ranges (the served INT8 graph's too)

StageCallback = Callable[[str, float], None]  # (stage, overall progress 0..1)


@dataclass
class PipelineResult:
    config: TrainingConfig
    splits: dict[str, int]
    history: list[dict]
    curves: dict  # evaluate.read_curves: the epoch whose weights were kept, and any overfitting
    cross_validation: dict | None
    test_metrics: dict
    parity: dict
    unusual: dict = field(default_factory=dict)  # the threshold's calibration and how it does on held-out pictures
    artifacts: list[dict] = field(default_factory=list)  # size, latency and accuracy of every export
    pruning: dict | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    time_machine: dict = field(default_factory=dict)  # probes.ProbeRecorder.as_dict: the probes after every epoch
    manifest: Manifest | None = None


class _Stages:
    """Times each stage, reports overall progress as stages start, and stops between stages when asked
    (during a fit, train.fit checks after every batch)."""

    def __init__(self, on_stage: StageCallback | None, should_stop: Callable[[], bool] | None):
        self.on_stage, self.should_stop, self.timings, self._started = on_stage, should_stop, {}, None

    def start(self, stage: str) -> None:
        if self.should_stop and self.should_stop():
            raise train.Cancelled(stage)
        self._finish()
        self._started = (stage, time.perf_counter())
        if self.on_stage:
            self.on_stage(stage, STAGES.index(stage) / len(STAGES))

    def _finish(self) -> None:
        if self._started:
            stage, started = self._started
            self.timings[stage] = round(time.perf_counter() - started, 2)

    def done(self) -> dict[str, float]:
        self._finish()
        self._started = None
        return self.timings


def run_pipeline(config: TrainingConfig, examples: list[Example], output_dir: Path, *, name: str, version: int,
                 others: list[Example] = (), on_stage: StageCallback | None = None,
                 on_epoch: train.EpochCallback | None = None,
                 should_stop: Callable[[], bool] | None = None) -> PipelineResult:
    """Train one model from the examples and write its artifacts and manifest into `output_dir`.

    `others` are pictures labelled neither cat nor dog: training never sees them; they calibrate
    the unusual threshold. Raises train.Cancelled when `should_stop()` turns true, ValueError when
    the data cannot train (a class without examples, too few for the splits), ArtifactError when
    the export fails parity.
    """
    config = config.validated()
    keras.utils.set_random_seed(config.seed)
    stages = _Stages(on_stage, should_stop)

    stages.start("data")
    splits = _checked_splits(config, examples)
    # every family takes the contract's 224x224 input; the student CNN resizes inside its graph
    train_images, train_labels = load_images(splits.train, contract.INPUT_SIZE)
    val_images, val_labels = load_images(splits.validation, contract.INPUT_SIZE)
    test_images, test_labels = load_images(splits.test, contract.INPUT_SIZE)
    augmentation = build_augmentation(config.augment, seed=config.seed)
    train_data = make_dataset(train_images, train_labels, batch_size=config.batch_size, shuffle=True,
                              seed=config.seed, augmentation=augmentation)
    val_data = make_dataset(val_images, val_labels, batch_size=config.batch_size)

    stages.start("cross_validation")
    model = models.build_model(config)
    cross_validation = _cross_validate(config, model, np.concatenate([train_images, val_images]),
                                       np.concatenate([train_labels, val_labels]), should_stop=should_stop)

    stages.start("fit")
    history = train.History()
    # the time machine: a fixed probe set of train and validation photos, answered after every epoch
    recorder = probes.ProbeRecorder.for_splits(splits, {"train": train_images, "validation": val_images},
                                               config.class_names)
    train.compile_model(model, config.learning_rate)
    train.fit(model, train_data, val_data, stage="head" if config.family == "lite0_transfer" else "train",
              epochs=config.epochs, patience=config.patience, history=history, on_epoch=on_epoch,
              should_stop=should_stop, after_epoch=recorder.record)
    if config.family == "lite0_transfer" and config.fine_tune_epochs and config.fine_tune_fraction:
        lite0.set_trainable_top(model, config.fine_tune_fraction)
        train.compile_model(model, config.fine_tune_learning_rate)  # recompile: trainable weights changed
        train.fit(model, train_data, val_data, stage="fine_tune", epochs=config.fine_tune_epochs,
                  patience=config.patience, history=history, on_epoch=on_epoch, should_stop=should_stop,
                  after_epoch=recorder.record)

    stages.start("evaluate")
    test_probabilities = model.predict(test_images, batch_size=config.batch_size, verbose=0)["probabilities"]
    test_metrics = evaluate.classification_metrics(test_labels, test_probabilities, config.class_names)

    stages.start("export")
    output_dir.mkdir(parents=True, exist_ok=True)
    served, shared = serving.trained_serving_model(model, family=config.family)
    export_onnx(served, output_dir / ONNX_FILE)
    export_onnx(model, output_dir / CLASSIFIER_FILE)
    model.save_weights(str(output_dir / KERAS_WEIGHTS_FILE))
    parity_images = test_images[:32] if len(test_images) else val_images[:32]
    parity = check_parity(served, output_dir / ONNX_FILE, parity_images)
    if not parity.passed:
        raise ArtifactError(f"the ONNX export disagrees with Keras: {parity.as_dict()}")
    try:
        explain_parity = export_explain(model, output_dir, family=config.family, images=parity_images)
    except ValueError as error:
        raise ArtifactError(str(error)) from error

    stages.start("calibrate")
    signature, unusual = _calibrated_signature(config, served, output_dir / ONNX_FILE, splits.test, test_images,
                                               others)

    stages.start("optimize")
    quantized = _served_int8(output_dir, signature, train_images, parity_images)
    artifacts, pruning = _optimized_artifacts(config, model, output_dir, train_images, train_data, val_data,
                                              test_images, test_labels)

    result = PipelineResult(
        config=config,
        splits=splits.sizes(),
        history=history.rows,
        curves=evaluate.read_curves(history.rows, restores_best=config.patience > 0),
        cross_validation=cross_validation,
        test_metrics=test_metrics,
        parity=parity.as_dict(),
        unusual=unusual,
        artifacts=artifacts,
        pruning=pruning,
        timings_s=stages.done(),
        time_machine=recorder.as_dict(),
    )
    result.manifest = Manifest(
        name=name,
        version=version,
        kind=KIND,
        files={file: sha256_of(output_dir / file)
               for file in {ONNX_FILE, ONNX_INT8_FILE, CLASSIFIER_FILE, KERAS_WEIGHTS_FILE, *explain.FILES,
                            *(a["file"] for a in artifacts)}},
        signature=signature,
        metrics={"test": test_metrics, "cross_validation": cross_validation, "parity": result.parity,
                 "explain_parity": explain_parity, "unusual": unusual,
                 "served_graph": {"stages_shared_with_imagenet": shared,
                                  "stages_duplicated": [stage for stage in lite0.STAGES if shared and stage not in shared]},
                 "splits": result.splits, "history": history.rows, "timings_s": result.timings_s,
                 "curves": result.curves, "artifacts": artifacts, "pruning": pruning, "int8": quantized},
    )
    result.manifest.write(output_dir)
    return result


def _served_int8(folder: Path, signature: dict, train_images: np.ndarray, parity_images: np.ndarray) -> dict:
    """The served graph quantized to INT8 (`served_int8.onnx`, what the browser may download instead of
    `model.onnx`), whatever `config.quantize` says; its answers compared with FP32 on the parity images."""
    representative = train_images[:REPRESENTATIVE_IMAGES]
    return int8.quantize_served(
        folder, signature, calibration_images=representative, parity_images=parity_images,
        calibration_source=f"the first {len(representative)} photos of the run's train split (by sha256)")


def _optimized_artifacts(config, model, folder: Path, train_images, train_data, val_data, test_images,
                         test_labels) -> tuple[list[dict], dict | None]:
    """Write the smaller variants and measure every artifact with the same harness on the test split:
    size in bytes, batch-1 latency p50 in ms, accuracy."""
    rows = []

    def measure(kind, name, fmt, precision, predict_fn, file_name, **extra):
        row = quantize.measure_artifact(predict_fn, test_images, test_labels, artifact=folder / file_name)
        rows.append({"kind": kind, "artifact": name, "format": fmt, "precision": precision, "file": file_name, **row,
                     **extra})

    measure("keras", "Keras", "keras", "fp32", quantize.keras_predict_fn(model), KERAS_WEIGHTS_FILE)
    measure("onnx", "ONNX", "onnx", "fp32", OnnxModel(folder / CLASSIFIER_FILE).predict, CLASSIFIER_FILE)
    measure("onnx_served", "ONNX served (with the ImageNet outputs)", "onnx", "fp32",
            OnnxModel(folder / ONNX_FILE).predict, ONNX_FILE)
    measure("onnx_served_int8", "ONNX served INT8 (for the browser)", "onnx", "int8",
            OnnxModel(folder / ONNX_INT8_FILE).predict, ONNX_INT8_FILE)
    if config.quantize:
        representative = train_images[:REPRESENTATIVE_IMAGES]
        quantize.onnx_int8(folder / CLASSIFIER_FILE, folder / "model_int8.onnx", representative)
        measure("onnx_int8", "ONNX INT8", "onnx", "int8", OnnxModel(folder / "model_int8.onnx").predict,
                "model_int8.onnx")
        for kind, file_name, precision, convert in (
            ("tflite_float", "model_float.tflite", "fp32", lambda: quantize.tflite_float(model)),
            ("tflite_dynamic", "model_dynamic.tflite", "dynamic-range int8 weights",
             lambda: quantize.tflite_dynamic_range(model)),
            ("tflite_int8", "model_int8.tflite", "int8", lambda: quantize.tflite_int8(model, representative)),
        ):
            content = convert()
            (folder / file_name).write_bytes(content)
            measure(kind, f"TFLite {precision}", "tflite", precision, quantize.TfliteRunner(content).predict, file_name)
    pruning = None
    if config.prune_sparsity:
        if config.family == "lite0_transfer":
            # frozen layers would be zeroed with no chance to recover: every block and the head convolution train
            # again (BatchNorm stays frozen; so does the stem, whose pruned weights therefore do not recover)
            lite0.set_trainable_top(model, 1.0)
        steps = int(train_data.cardinality()) * config.prune_epochs
        # masks are updated every 10 steps on real datasets, more often on tiny ones so the schedule fits
        schedule = prune.PruningConfig(target_sparsity=config.prune_sparsity, schedule=config.prune_schedule,
                                       frequency=max(1, min(10, steps // 8)))
        pruned, pruning = prune.prune_and_finetune(
            model, schedule, train_data, val_data,
            # recovery needs steps small enough not to undo training: at most 10x the fine-tuning rate
            epochs=config.prune_epochs, learning_rate=min(config.learning_rate, config.fine_tune_learning_rate * 10),
        )
        export_onnx(pruned, folder / "model_pruned.onnx")
        measure("onnx_pruned", f"ONNX pruned {config.prune_sparsity:.0%}", "onnx", "fp32 pruned",
                OnnxModel(folder / "model_pruned.onnx").predict, "model_pruned.onnx",
                compressed_size_bytes=prune.compressed_size(folder / "model_pruned.onnx"), sparsity=config.prune_sparsity)
        baseline = next(row for row in rows if row["file"] == CLASSIFIER_FILE)  # what the pruned file is compared with
        baseline["compressed_size_bytes"] = prune.compressed_size(folder / CLASSIFIER_FILE)
    return rows, pruning


def _calibrated_signature(config: TrainingConfig, served, onnx_path: Path, test: list[Example],
                          test_images: np.ndarray, others: list[Example]) -> tuple[dict, dict]:
    """The version's signature, with its unusual threshold chosen on the test split's cats and dogs and
    the "neither" pictures (see calibrate.py), scored by the exported graph itself."""
    names = list(config.class_names)
    is_pet = {names.index("cat"), names.index("dog")}
    pets = [(example, image) for example, image in zip(test, test_images) if example.label in is_pet]
    # test pictures of another class of the version (a "neither" class) are pictures that are neither, too
    others = [*others, *(example for example in test if example.label not in is_pet)]
    draft = contract.trained_signature(
        family=config.family, class_names=list(config.class_names),
        feature_maps=tuple(int(d) for d in served.output["feature_maps"].shape[1:]),
        embedding=int(served.output["embedding"].shape[-1]), unusual=pretrained.default_unusual_rule())
    graph = OnnxModel(onnx_path)
    needed = [draft["decision"]["unusual"]["output"]]
    other_images, _labels = load_images(list(others), contract.INPUT_SIZE)
    pet_images = np.stack([image for _example, image in pets]) if pets else np.zeros((0, *test_images.shape[1:]), np.uint8)
    pet_scores = unusual_scores(graph.predict(pet_images, needed), draft) if len(pet_images) else np.zeros(0)
    other_scores = unusual_scores(graph.predict(other_images, needed), draft) if len(other_images) else np.zeros(0)
    rule, report = calibrate_unusual(pet_scores=pet_scores, pet_keys=[example.sha256 for example, _image in pets],
                                     other_scores=other_scores, other_keys=[e.sha256 for e in others],
                                     inherited=pretrained.default_unusual_rule())
    return contract.validate({**draft, "decision": {**draft["decision"], "unusual": rule}}), report


def _checked_splits(config: TrainingConfig, examples: list[Example]) -> Splits:
    present = {example.label for example in examples}
    missing = [name for index, name in enumerate(config.class_names) if index not in present]
    if missing:
        raise ValueError(f"no labelled images for: {', '.join(missing)}")
    splits = split_by_hash(examples, validation_fraction=config.validation_fraction,
                           test_fraction=config.test_fraction)
    if min(splits.sizes().values()) == 0:
        raise ValueError(f"too few labelled images to split into train, validation and test: {splits.sizes()}")
    return splits


def _cross_validate(config: TrainingConfig, model: keras.Model, images: np.ndarray, labels: np.ndarray, *,
                    should_stop: Callable[[], bool] | None = None) -> dict | None:
    """Over train + validation. Transfer model: a linear probe on the frozen backbone's embeddings
    (seconds; it estimates a head on the pretrained backbone, not the fine-tuned model). Student CNN:
    the CNN itself, retrained from scratch on each fold with the run's settings (about `cv_folds`
    times the fit; off in the presets)."""
    if not config.cv_folds or min(np.bincount(labels)) < config.cv_folds:
        return None
    if config.family == "lite0_transfer":
        embeddings = model.predict(images, batch_size=config.batch_size, verbose=0)["embedding"]
        return cv.cross_validate_probe(embeddings, labels, folds=config.cv_folds, seed=config.seed, l2=config.l2)
    return cv.cross_validate_student_cnn(config, images, labels, should_stop=should_stop)
