"""Magnitude pruning with tfmot: wrap the convolutions and dense layers, fine-tune while the schedule
zeroes their smallest weights, strip the wrappers, and measure the sparsity actually reached.

Pure Keras (no Django). Typical use:

    model, report = prune_and_finetune(model, PruningConfig(target_sparsity=0.5), train, validation,
                                       epochs=4, learning_rate=1e-4)
"""
from __future__ import annotations

import gzip
import os
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_model_optimization as tfmot  # noqa: E402
import tf_keras as keras  # noqa: E402

SCHEDULES = ("polynomial", "constant")
MAX_SPARSITY = 0.95
# tfmot lists DepthwiseConv2D as supported but prunes none of its weights (depthwise kernels are tiny
# and every one of them matters), so wrapping it would only add a wrapper: it is left alone.
PRUNABLE_LAYERS = (keras.layers.Conv2D, keras.layers.Dense)
# When end_step is not given, the schedule reaches the target after this share of the training steps;
# the remaining steps fine-tune at the full target sparsity, so accuracy can recover.
SCHEDULE_SHARE = 2 / 3


@dataclass(frozen=True)
class PruningConfig:
    """How much to prune and when: steps are optimizer steps (batches), sparsity a fraction of weights."""

    target_sparsity: float = 0.5
    begin_step: int = 0
    end_step: int | None = None  # None: computed from the number of training steps, see end_step_for
    frequency: int = 10  # steps between two updates of the pruning masks
    schedule: str = "polynomial"  # "polynomial": from 0 up to the target; "constant": the target at once

    def validate(self) -> "PruningConfig":
        """Raise ValueError listing every problem; return the config itself when it is valid."""
        problems = []
        if not 0 < self.target_sparsity <= MAX_SPARSITY:
            problems.append(f"target_sparsity must be in (0, {MAX_SPARSITY}], got {self.target_sparsity}")
        if self.begin_step < 0:
            problems.append(f"begin_step cannot be negative, got {self.begin_step}")
        if self.end_step is not None and self.end_step <= self.begin_step:
            problems.append(f"end_step ({self.end_step}) must be after begin_step ({self.begin_step})")
        if self.frequency < 1:
            problems.append(f"frequency must be at least 1 step, got {self.frequency}")
        if self.schedule not in SCHEDULES:
            problems.append(f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def to_dict(self) -> dict:
        return asdict(self)


def end_step_for(config: PruningConfig, steps: int) -> int:
    """Step at which the schedule reaches the target, for a training run of `steps` batches in all."""
    end_step = config.end_step
    if end_step is None:
        # tfmot only updates the masks every `frequency` steps after begin_step, so the end must be
        # one of those steps or the last update stops short of the target.
        updates = (int(steps * SCHEDULE_SHARE) - config.begin_step) // config.frequency
        end_step = config.begin_step + updates * config.frequency
    if end_step <= config.begin_step or end_step >= steps:
        raise ValueError(
            f"pruning from step {config.begin_step} to {end_step} does not fit in {steps} training steps: "
            "train for more steps, or lower begin_step or frequency"
        )
    return end_step


def _schedule(config: PruningConfig, end_step: int) -> tfmot.sparsity.keras.PruningSchedule:
    if config.schedule == "constant":
        return tfmot.sparsity.keras.ConstantSparsity(
            config.target_sparsity, config.begin_step, end_step, config.frequency
        )
    return tfmot.sparsity.keras.PolynomialDecay(
        0.0, config.target_sparsity, config.begin_step, end_step, frequency=config.frequency
    )


def make_prunable(model: keras.Model, config: PruningConfig, steps: int) -> keras.Model:
    """Copy of `model` with pruning wrappers on its Conv2D and Dense layers, for `steps` training batches.

    Compile and fit the result with `pruning_callbacks()`; other layers (BatchNorm, the uint8 cast,
    Rescaling, ...) are kept as they are.
    """
    config.validate()
    schedule = _schedule(config, end_step_for(config, steps))
    # clone_model shares every layer the clone function returns unchanged with the model it clones;
    # cloning from a copy keeps the caller's model untouched while the pruned one trains.
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())

    def wrap(layer):
        if isinstance(layer, PRUNABLE_LAYERS):
            return tfmot.sparsity.keras.prune_low_magnitude(layer, pruning_schedule=schedule)
        return layer

    return keras.models.clone_model(copy, clone_function=wrap)


def pruning_callbacks() -> list[keras.callbacks.Callback]:
    """Callbacks that `fit` needs to advance the pruning schedule (it fails without them)."""
    return [tfmot.sparsity.keras.UpdatePruningStep()]


def strip(model: keras.Model) -> keras.Model:
    """The same model without pruning wrappers, keeping the zeroed weights (for export)."""
    return tfmot.sparsity.keras.strip_pruning(model)


def measured_sparsity(model: keras.Model) -> dict:
    """Fraction of exactly-zero kernel weights in the prunable layers: {"overall": f, "layers": {name: f}}.

    Works on wrapped and stripped models; biases are not counted (tfmot does not prune them).
    """
    zeros, total, layers = 0, 0, {}
    for layer in model.layers:
        inner = layer.layer if isinstance(layer, keras.layers.Wrapper) else layer
        if isinstance(inner, PRUNABLE_LAYERS):
            kernel = inner.kernel.numpy()
            layer_zeros = int(np.count_nonzero(kernel == 0))
            layers[inner.name] = layer_zeros / kernel.size
            zeros, total = zeros + layer_zeros, total + kernel.size
    return {"overall": zeros / total if total else 0.0, "layers": layers}


def compressed_size(artifact: str | Path | bytes) -> int:
    """Size in bytes of a model file (or its bytes) after gzip."""
    # Pruned weights are still stored as float32 zeros, so the file itself does not shrink: the gain
    # appears only once a compressor (gzip here; zip or HTTP compression in practice) squeezes the zeros.
    data = artifact if isinstance(artifact, bytes) else Path(artifact).read_bytes()
    return len(gzip.compress(data))


def _with_probability_targets(dataset: tf.data.Dataset | None) -> tf.data.Dataset | None:
    # The model has three outputs but only "probabilities" has a loss: labels go to that output by name.
    # Datasets from data.make_dataset already carry them so; plain (images, labels) ones get mapped.
    if dataset is None or isinstance(dataset.element_spec[1], dict):
        return dataset
    return dataset.map(lambda images, labels: (images, {"probabilities": labels}))


def _batches(dataset: tf.data.Dataset) -> int:
    batches = int(dataset.cardinality())
    if batches < 1:
        raise ValueError(
            "train_data needs a known, finite number of batches to plan the pruning schedule "
            "(batch a finite dataset, or apply tf.data.experimental.assert_cardinality)"
        )
    return batches


def prune_and_finetune(
    model: keras.Model,
    config: PruningConfig,
    train_data: tf.data.Dataset,
    validation_data: tf.data.Dataset | None,
    epochs: int,
    learning_rate: float,
    callbacks=(),
) -> tuple[keras.Model, dict]:
    """Prune `model` to the target sparsity while fine-tuning it; return (stripped model, report).

    Datasets yield batches of (uint8 images (N, H, W, 3), int class labels (N,)); `learning_rate` is
    Adam's step size. `model` itself is not modified.
    """
    steps_per_epoch = _batches(train_data)
    pruned = make_prunable(model, config, steps_per_epoch * epochs)
    pruned.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss={"probabilities": keras.losses.SparseCategoricalCrossentropy()},
        metrics={"probabilities": ["accuracy"]},
    )
    history = pruned.fit(
        _with_probability_targets(train_data),
        validation_data=_with_probability_targets(validation_data),
        epochs=epochs,
        callbacks=[*pruning_callbacks(), *callbacks],
        verbose=0,
    )
    stripped = strip(pruned)
    sparsity = measured_sparsity(stripped)
    report = {
        "config": config.to_dict(),
        "target_sparsity": config.target_sparsity,
        "measured_sparsity": sparsity["overall"],
        "layer_sparsity": sparsity["layers"],
        "end_step": end_step_for(config, steps_per_epoch * epochs),
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "learning_rate": learning_rate,
        "history": {name: [float(value) for value in values] for name, values in history.history.items()},
    }
    return stripped, report
