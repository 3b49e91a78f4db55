"""Post-training quantization to TFLite (dynamic range, full INT8) and ONNX (static INT8), runners for
the results, and one harness that measures every artifact the same way: size, latency, accuracy.

Every artifact keeps the serving contract of the Keras model: uint8 images (N, H, W, 3) in, float32
outputs by name ("probabilities", "embedding", "feature_maps") out. In the INT8 variants everything
in between is integer: the graph's own cast of the uint8 image to float is followed at once by a
quantize op, and each output ends with a dequantize op. So one runner per format serves the float
and the quantized files alike (ONNX files run in ml_models.core.inference.OnnxModel, the one ONNX
Runtime wrapper), and they can be compared image for image. The ONNX quantization itself
(`onnx_int8`) is in ml_models/core/int8.py, with no TensorFlow, so the pretrained version is quantized
by the same code; it is imported here for the pipeline.
"""
from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from ai_edge_litert.interpreter import Interpreter  # noqa: E402
from ml_models.core.inference import require_images  # noqa: E402
from ml_models.core.int8 import onnx_int8  # noqa: E402, F401  (ONNX static INT8 lives in the model core)

PredictFn = Callable[[np.ndarray], Mapping[str, np.ndarray]]


def _converter(model) -> tf.lite.TFLiteConverter:
    return tf.lite.TFLiteConverter.from_keras_model(model)


def tflite_float(model) -> bytes:
    """The Keras model as a float32 .tflite file (the baseline the quantized files are compared with)."""
    return _converter(model).convert()


def tflite_dynamic_range(model) -> bytes:
    """.tflite with int8 weights and float activations (no calibration data needed); about 4x smaller."""
    converter = _converter(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    return converter.convert()


def tflite_int8(model, representative_images: np.ndarray) -> bytes:
    """Full-integer .tflite (int8 weights and activations), calibrated on uint8 images (N, H, W, 3).

    Input stays uint8 and outputs float32, as in the Keras model; the converter fails rather than
    leave an op in float.
    """
    require_images(representative_images)
    converter = _converter(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.representative_dataset = lambda: ([image[np.newaxis]] for image in representative_images)
    with warnings.catch_warnings():
        # The converter expects input statistics for a non-float input; ours is raw uint8 pixels that the
        # graph casts to float itself, and that float is what gets calibrated.
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")
        return converter.convert()


def keras_predict_fn(model) -> PredictFn:
    """The Keras model as a compiled graph: uint8 images (N, H, W, 3) -> numpy outputs by name."""
    # Calling the model eagerly costs about 6x the graph on Lite0 (59 ms against 10 ms per image here),
    # which would make Keras look far slower than it is next to the other runtimes.
    graph = tf.function(lambda images: model(images, training=False), reduce_retracing=True)
    return lambda images: {name: output.numpy() for name, output in graph(require_images(images)).items()}


class TfliteRunner:
    """Run a .tflite model with LiteRT: uint8 images (N, H, W, 3) -> the model's outputs by name."""

    def __init__(self, model_bytes: bytes):
        self._interpreter = Interpreter(model_content=model_bytes)
        # The signature keeps the Keras input and output names; the raw tensors are renamed
        # ("StatefulPartitionedCall:0", ...) and reordered, so they are never matched by position.
        self._runner = self._interpreter.get_signature_runner()
        (self.input_name,) = self._runner.get_input_details()

    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        return self._runner(**{self.input_name: require_images(images)})


def measure_artifact(
    predict_fn: PredictFn,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    artifact: str | Path | bytes,
    warmup: int = 5,
    runs: int | None = None,
) -> dict:
    """Size (bytes), batch-1 latency p50 (ms) and accuracy (0-1) of one artifact, the same way for all.

    `predict_fn` maps uint8 images (N, H, W, 3) to outputs by name (`keras_predict_fn(model)` or a
    runner's `predict`); `artifact` is the file (or bytes) it runs. Every image is predicted once on
    its own and timed; `runs` asks for more timed calls than images, cycling over them.
    """
    require_images(images)
    for _ in range(warmup):  # the first calls pay for allocation, tracing and caches
        predict_fn(images[:1])
    latencies_ms, predicted = [], np.empty(len(images), dtype=np.int64)
    for call in range(max(runs or 0, len(images))):
        index = call % len(images)
        start = time.perf_counter()
        probabilities = np.asarray(predict_fn(images[index : index + 1])["probabilities"])
        latencies_ms.append((time.perf_counter() - start) * 1000)
        predicted[index] = probabilities.argmax(axis=1)[0]
    size = len(artifact) if isinstance(artifact, bytes) else Path(artifact).stat().st_size
    return {
        "size_bytes": size,
        "latency_p50_ms": float(np.median(latencies_ms)),
        "accuracy": float(np.mean(predicted == np.asarray(labels))),
    }
