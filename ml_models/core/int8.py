"""Static INT8 quantization of ONNX graphs (ONNX Runtime and numpy: no TensorFlow, no Django).

Trained versions and the pretrained one are quantized by the same `onnx_int8`: QDQ, per-channel int8
weights, uint8 activations, ranges calibrated on uint8 images. The uint8 image input and the float32
outputs keep their names and types, so the INT8 file runs wherever the FP32 one does (ONNX Runtime on
the server, onnxruntime-web in the browser) and gives outputs the same answer function reads.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from ml_models.core.inference import OnnxModel, require_images



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

    The uint8 image input and the float32 outputs keep their names and types.
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
        )
    return Path(out_path)
