"""Keras -> ONNX export with tf2onnx, and the parity check that proves both give the same answers.

Imports TensorFlow: worker and CLI only.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402

ONNX_OPSET = 17
PARITY_MAX_PROBABILITY_DIFF = 1e-4


def export_onnx(model, path: Path) -> None:
    """Write `model` (uint8 image in, named outputs) as one ONNX graph at `path`."""
    image_input = model.inputs[0]
    spec = (tf.TensorSpec((None, *image_input.shape[1:]), tf.uint8, name="image"),)
    tf2onnx.convert.from_keras(model, input_signature=spec, opset=ONNX_OPSET, output_path=str(path))


@dataclass(frozen=True)
class ParityReport:
    images: int
    max_probability_diff: float
    top1_agreement: float

    @property
    def passed(self) -> bool:
        return self.top1_agreement == 1.0 and self.max_probability_diff < PARITY_MAX_PROBABILITY_DIFF

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed, "threshold": PARITY_MAX_PROBABILITY_DIFF}


def check_parity(model, onnx_path: Path, images: np.ndarray) -> ParityReport:
    """Compare Keras and ONNX Runtime probabilities on the same uint8 images (N, H, W, 3)."""
    keras_probabilities = model.predict(images, batch_size=16, verbose=0)["probabilities"]
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (onnx_probabilities,) = session.run(["probabilities"], {session.get_inputs()[0].name: images})
    return ParityReport(
        images=len(images),
        max_probability_diff=float(np.abs(keras_probabilities - onnx_probabilities).max()),
        top1_agreement=float(np.mean(keras_probabilities.argmax(1) == onnx_probabilities.argmax(1))),
    )
