"""Static INT8 quantization of ONNX graphs, and how far the INT8 answers are from the FP32 ones
(ONNX Runtime and numpy: no TensorFlow, no Django).

Trained versions and the pretrained one are quantized by the same `onnx_int8`: QDQ, per-channel int8
weights, uint8 activations, ranges calibrated on uint8 images. The uint8 image input and the float32
outputs keep their names and types, so the INT8 file runs wherever the FP32 one does (ONNX Runtime on
the server, onnxruntime-web in the browser) and gives outputs the same answer function reads.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from ml_models.core.answer import decide, rows
from ml_models.core.artifacts import ONNX_FILE, ONNX_INT8_FILE
from ml_models.core.inference import OnnxModel, require_images

PARITY_BATCH = 16  # images per ONNX Runtime call when comparing FP32 and INT8 (bounds the memory used)


class ImageReader(CalibrationDataReader):
    """Feeds calibration images one at a time, as onnxruntime.quantization expects."""

    def __init__(self, input_name: str, images: np.ndarray):
        self._feeds = ({input_name: image[np.newaxis]} for image in images)

    def get_next(self) -> dict | None:
        return next(self._feeds, None)


def calibration_options(count: int) -> dict:
    """Merge activation ranges every ~16 images so calibrating on many large images stays within memory.

    onnxruntime 1.32 finds "no data" when the image count is a multiple of that chunk (nothing is left
    after the last merge), so pick a chunk that does not divide the count; small sets stay whole.
    """
    if count <= 16:
        return {}
    chunk = next(size for size in range(16, 8, -1) if count % size)
    return {"CalibMaxIntermediateOutputs": chunk}


def onnx_int8(fp32_onnx_path: str | Path, out_path: str | Path, calibration_images: np.ndarray) -> Path:
    """Statically quantize an ONNX graph to INT8 (QDQ, per-channel weights), calibrated on uint8 images.

    The uint8 image input and the float32 outputs keep their names and types. Softmax stays in float:
    an 8-bit probability moves in steps of 1/255, too coarse for the small masses the answer adds up
    (on 51 held-out shared photos the pretrained INT8 graph changed 3 labels with it, 1 without).
    """
    require_images(calibration_images)
    if not len(calibration_images):
        raise ValueError("INT8 calibration needs at least one image")
    input_name = OnnxModel(fp32_onnx_path).input_name
    with tempfile.TemporaryDirectory() as folder:
        prepared = Path(folder) / "prepared.onnx"
        # Symbolic shape inference needs sympy and only helps with dynamic shapes other than the
        # batch, which our graphs do not have; ONNX's own shape inference still runs.
        quant_pre_process(str(fp32_onnx_path), str(prepared), skip_symbolic_shape=True)
        softmax = [node.name for node in onnx.load(str(prepared)).graph.node if node.op_type == "Softmax"]
        quantize_static(
            str(prepared),
            str(out_path),
            ImageReader(input_name, calibration_images),
            quant_format=QuantFormat.QDQ,  # the format ONNX Runtime's CPU kernels are optimised for
            per_channel=True,
            # uint8 activations and int8 weights: onnxruntime's recommendation for x86 CPUs
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            extra_options=calibration_options(len(calibration_images)),
            nodes_to_exclude=softmax,
        )
    return Path(out_path)


def _verdicts(graph: OnnxModel, images: np.ndarray, signature: dict, outputs: list[str]) -> list:
    verdicts = []
    for start in range(0, len(images), PARITY_BATCH):
        batch = graph.predict(images[start : start + PARITY_BATCH], outputs)
        verdicts += [decide(row, signature) for row in rows(batch)]
    return verdicts


def answer_parity(fp32_path: Path, int8_path: Path, signature: dict, images: np.ndarray) -> dict:
    """How the INT8 graph's answers differ from the FP32 graph's on the same uint8 images, read by the
    version's own answer function (`answer.decide` with its signature): the share of images given the
    same label (cat, dog or unusual), and the largest differences in P(cat) and in the unusual score."""
    require_images(images)
    if not len(images):
        raise ValueError("the INT8 parity check needs at least one image")
    decision = signature["decision"]
    outputs = sorted({decision["output"], decision["unusual"]["output"]})
    fp32 = _verdicts(OnnxModel(fp32_path), images, signature, outputs)
    int8 = _verdicts(OnnxModel(int8_path), images, signature, outputs)
    return {
        "images": len(images),
        "label_agreement": float(np.mean([a.label == b.label for a, b in zip(fp32, int8)])),
        "max_probability_diff": max(abs(a.cat - b.cat) for a, b in zip(fp32, int8)),
        "max_unusual_diff": max(abs(a.unusual_score - b.unusual_score) for a, b in zip(fp32, int8)),
    }


def quantize_served(folder: Path, signature: dict, *, calibration_images: np.ndarray, calibration_source: str,
                    parity_images: np.ndarray) -> dict:
    """Quantize a version's served graph (`model.onnx`, every output the signature names) into
    `served_int8.onnx` beside it, and measure it against the FP32 graph.

    Returns what the manifest keeps as `metrics["int8"]`: the file, both sizes, the calibration images
    (how many, which in words), the answer parity (see `answer_parity`) and the seconds it took.
    """
    folder = Path(folder)
    started = time.perf_counter()
    onnx_int8(folder / ONNX_FILE, folder / ONNX_INT8_FILE, calibration_images)
    quantize_s = time.perf_counter() - started
    return {
        "file": ONNX_INT8_FILE,
        "size_bytes": (folder / ONNX_INT8_FILE).stat().st_size,
        "fp32_size_bytes": (folder / ONNX_FILE).stat().st_size,
        "calibration": {"images": len(calibration_images), "source": calibration_source},
        "parity": answer_parity(folder / ONNX_FILE, folder / ONNX_INT8_FILE, signature, parity_images),
        "quantize_s": round(quantize_s, 2),
    }
