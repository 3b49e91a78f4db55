"""Compile and fit, reporting every epoch, stopping early or on request."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import tf_keras as keras

EpochCallback = Callable[[str, int, dict], None]  # (stage, epoch starting at 1, logs)
ModelCallback = Callable[[keras.Model, str, int], None]  # (the model with this epoch's weights, stage, epoch)


class Cancelled(Exception):
    """Training was stopped on request."""


@dataclass
class History:
    """Per-epoch metrics of every stage, in order: rows of {"stage", "epoch", "loss", ...}."""

    rows: list[dict] = field(default_factory=list)

    def add(self, stage: str, epoch: int, logs: dict) -> dict:
        row = {"stage": stage, "epoch": epoch, **_plain_metrics(logs)}
        self.rows.append(row)
        return row


def _plain_metrics(logs: dict) -> dict:
    """Keras names outputs' metrics "probabilities_accuracy"; keep the plain names students know."""
    renamed = {}
    for key, value in (logs or {}).items():
        key = key.replace("probabilities_", "")
        if key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            renamed[key] = float(value)
    return renamed


class _Reporter(keras.callbacks.Callback):
    def __init__(self, stage: str, history: History, on_epoch: EpochCallback | None,
                 should_stop: Callable[[], bool] | None, epoch_offset: int, after_epoch: ModelCallback | None = None):
        super().__init__()
        self.stage, self.history, self.on_epoch, self.after_epoch = stage, history, on_epoch, after_epoch
        self.should_stop, self.epoch_offset = should_stop, epoch_offset
        self.cancelled = False

    def on_epoch_end(self, epoch, logs=None):
        row = self.history.add(self.stage, self.epoch_offset + epoch + 1, logs)
        if self.after_epoch:  # before early stopping may restore earlier weights: this epoch's own
            self.after_epoch(self.model, self.stage, row["epoch"])
        if self.on_epoch:
            self.on_epoch(self.stage, row["epoch"], row)
        if self.should_stop and self.should_stop():
            self.cancelled = True
            self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if self.should_stop and self.should_stop():
            self.cancelled = True
            self.model.stop_training = True


def compile_model(model: keras.Model, learning_rate: float) -> None:
    """Adam and cross-entropy on the "probabilities" output only (the others are for serving)."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss={"probabilities": keras.losses.SparseCategoricalCrossentropy()},
        metrics={"probabilities": ["accuracy"]},
    )


def fit(model: keras.Model, train_data, validation_data, *, stage: str, epochs: int, patience: int,
        history: History, on_epoch: EpochCallback | None = None, should_stop=None, extra_callbacks=(),
        after_epoch: ModelCallback | None = None) -> None:
    """Fit an already compiled model; epochs continue the numbering of earlier stages.

    `after_epoch(model, stage, epoch)` runs after each epoch's history row is added, with that epoch's
    weights (the time machine's probes.ProbeRecorder.record), before `on_epoch` reports the row.

    With patience > 0, stops once validation loss has not improved for `patience` epochs and keeps
    the best weights. Raises Cancelled when `should_stop()` turned true.
    """
    reporter = _Reporter(stage, history, on_epoch, should_stop, epoch_offset=len(history.rows), after_epoch=after_epoch)
    callbacks = [reporter, *extra_callbacks]
    if patience:
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True))
    model.fit(train_data, validation_data=validation_data, epochs=epochs, callbacks=callbacks, verbose=0)
    if reporter.cancelled:
        raise Cancelled(stage)
