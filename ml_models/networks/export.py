"""Keras -> ONNX export with tf2onnx, and the parity check that proves both give the same answers.

Imports TensorFlow: worker and CLI only.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402

from ml_models.core.inference import OnnxModel  # noqa: E402

ONNX_OPSET = 17
PARITY_MAX_PROBABILITY_DIFF = 1e-4
PROBABILITY_OUTPUTS = ("probabilities", "imagenet_probabilities")  # compared by the parity check


def export_onnx(model, path: Path) -> None:
    """Write `model` (uint8 image in, named outputs) as one ONNX graph at `path`."""
    image_input = model.inputs[0]
    spec = (tf.TensorSpec((None, *image_input.shape[1:]), tf.uint8, name="image"),)
    tf2onnx.convert.from_keras(model, input_signature=spec, opset=ONNX_OPSET, output_path=str(path))
    exported = set(OnnxModel(path).output_names)
    if exported != set(model.output):
        raise ValueError(f"the ONNX graph's outputs {sorted(exported)} are not the model's {sorted(model.output)}")


@dataclass(frozen=True)
class ParityReport:
    images: int
    max_probability_diff: float  # over every probability output the two share
    top1_agreement: float  # on "probabilities"
    outputs: tuple[str, ...] = ("probabilities",)

    @property
    def passed(self) -> bool:
        return self.top1_agreement == 1.0 and self.max_probability_diff < PARITY_MAX_PROBABILITY_DIFF

    def as_dict(self) -> dict:
        return {**asdict(self), "outputs": list(self.outputs), "passed": self.passed,
                "threshold": PARITY_MAX_PROBABILITY_DIFF}


def check_parity(model, onnx_path: Path, images: np.ndarray) -> ParityReport:
    """Compare Keras and ONNX Runtime on the same uint8 images (N, H, W, 3), on every probability output."""
    names = tuple(name for name in PROBABILITY_OUTPUTS if name in model.output)
    keras_out = model.predict(images, batch_size=16, verbose=0)
    onnx_out = OnnxModel(onnx_path).predict(images, names)
    return ParityReport(
        images=len(images),
        max_probability_diff=max(float(np.abs(keras_out[name] - onnx_out[name]).max()) for name in names),
        top1_agreement=float(np.mean(keras_out["probabilities"].argmax(1) == onnx_out["probabilities"].argmax(1))),
        outputs=names,
    )
