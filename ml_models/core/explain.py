"""Looking inside a version (no Django, no TensorFlow): its layer table, its feature maps for one picture
from the "explain" graph, its first-layer filters and one neuron's arithmetic.

The artifacts are written at export by ml_models/networks/explain.py: `architecture.json` (every layer,
and the first convolution with batch normalisation folded into its kernel and bias) and `explain.onnx`
(one output per feature-map layer, named after the layer).
"""
from __future__ import annotations

import base64
import io
import json
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from PIL import Image

from ml_models.core.inference import OnnxModel

EXPLAIN_FILE = "explain.onnx"
ARCHITECTURE_FILE = "architecture.json"
INPUT_GROUP = "input"
HEAD_GROUP = "classifier"
FILES = (EXPLAIN_FILE, ARCHITECTURE_FILE)


class NoExplainGraph(LookupError):
    """The version was exported before explain graphs existed."""


class UnknownLayer(LookupError):
    """No feature-map layer of that name."""


def png_data_url(array: np.ndarray) -> str:
    """uint8 (H, W) or (H, W, 3) -> a PNG data URL."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def scaled_to_bytes(values: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
    """Floats -> uint8 with `low` (default: the minimum) black and `high` (default: the maximum) white."""
    low = float(values.min()) if low is None else low
    high = float(values.max()) if high is None else high
    if high - low < 1e-12:
        return np.zeros(values.shape, np.uint8)
    return np.clip(np.rint((values - low) / (high - low) * 255), 0, 255).astype(np.uint8)


def channel_stats(maps: np.ndarray) -> list[dict]:
    """Per channel of (H, W, C) maps: mean, max, min and the share of cells above zero."""
    flat = maps.reshape(-1, maps.shape[-1])
    means, highs, lows, active = flat.mean(0), flat.max(0), flat.min(0), (flat > 0).mean(0)
    return [{"index": index, "mean": round(float(means[index]), 5), "max": round(float(highs[index]), 5),
             "min": round(float(lows[index]), 5), "active": round(float(active[index]), 4)}
            for index in range(maps.shape[-1])]


def channel_image(maps: np.ndarray, channel: int) -> str:
    """One channel of (H, W, C) maps as a grey PNG data URL, scaled to its own min..max."""
    return png_data_url(scaled_to_bytes(maps[..., channel]))


def same_padding(size: int, kernel: int, stride: int) -> int:
    """Cells of zeros TensorFlow adds before the first row (or column) for padding "same"."""
    out = -(-size // stride)
    return max((out - 1) * stride + kernel - size, 0) // 2


@dataclass(frozen=True)
class Neuron:
    """The arithmetic behind one cell of the first convolution's activation map."""

    channel: int
    x: int
    y: int
    window: tuple[int, int]  # (top, left) of the patch in the input tensor; negative where padding
    patch: np.ndarray  # (k, k, 3) normalised input, 0 where padding
    inside: np.ndarray  # (k, k) bool: the cell lies in the picture (not padding)
    kernel: np.ndarray  # (k, k, 3), batch normalisation folded in
    bias: float

    @property
    def products(self) -> np.ndarray:
        return self.patch * self.kernel

    @property
    def total(self) -> float:
        return float(self.products.sum(dtype=np.float64))

    @property
    def pre_activation(self) -> float:
        return self.total + self.bias

    def output(self, activation: str) -> float:
        value = max(self.pre_activation, 0.0)
        return min(value, 6.0) if activation == "relu6" else value


class Explainer:
    """The explain artifacts of one version folder: the layer table, and its explain graph run lazily."""

    def __init__(self, folder: Path):
        self.folder = folder
        if not all((folder / name).exists() for name in FILES):
            raise NoExplainGraph(str(folder))
        self.architecture = json.loads((folder / ARCHITECTURE_FILE).read_text())
        self._lock = threading.Lock()

    @cached_property
    def graph(self) -> OnnxModel:
        with self._lock:
            return OnnxModel(self.folder / EXPLAIN_FILE)

    @cached_property
    def layers(self) -> dict[str, dict]:
        return {layer["name"]: layer for layer in self.architecture["layers"]}

    @property
    def first_conv(self) -> dict:
        return self.architecture["first_conv"]

    def layer(self, name: str) -> dict:
        layer = self.layers.get(name)
        if layer is None or not layer["feature_maps"]:
            raise UnknownLayer(name)
        return layer

    def maps(self, model_input: np.ndarray, *names: str) -> dict[str, np.ndarray]:
        """uint8 (224, 224, 3) -> {layer name: its (H, W, C) feature maps} for the named layers."""
        for name in names:
            self.layer(name)
        outputs = self.graph.predict(model_input[None], list(names))
        return {name: values[0] for name, values in outputs.items()}

    def filters(self) -> np.ndarray:
        """The first convolution's kernels (k, k, 3, C), batch normalisation folded in."""
        return np.asarray(self.first_conv["kernel"], np.float32)

    def neuron(self, normalised: np.ndarray, *, channel: int, x: int, y: int) -> Neuron:
        """The arithmetic of cell (y, x) of `channel` in the first activation map, from the normalised input
        (H, W, 3) the first convolution reads. Raises IndexError for a cell or channel outside the map."""
        conv = self.first_conv
        kernel_all = self.filters()
        size, stride = int(conv["kernel_size"][0]), int(conv["stride"])
        height, width = normalised.shape[:2]
        rows, cols = self.layers[conv["activation_layer"]]["output_shape"][:2]
        if not (0 <= channel < kernel_all.shape[-1] and 0 <= x < cols and 0 <= y < rows):
            raise IndexError("cell or channel outside the feature map")
        same = conv["padding"] == "same"
        top = y * stride - (same_padding(height, size, stride) if same else 0)
        left = x * stride - (same_padding(width, size, stride) if same else 0)
        patch = np.zeros((size, size, normalised.shape[2]), np.float32)
        inside = np.zeros((size, size), bool)
        for i in range(size):
            for j in range(size):
                row, col = top + i, left + j
                if 0 <= row < height and 0 <= col < width:
                    patch[i, j], inside[i, j] = normalised[row, col], True
        return Neuron(channel, x, y, (top, left), patch, inside, kernel_all[..., channel], float(conv["bias"][channel]))
