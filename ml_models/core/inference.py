"""ONNX Runtime, wrapped once: serving, quantization measurements and parity checks all run graphs here."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from ml_models.core import answer as answers
from ml_models.core.artifacts import ONNX_FILE, Manifest
from ml_models.core.contract import validate
from ml_models.core.preprocess import to_model_input


def require_images(images: np.ndarray) -> np.ndarray:
    if images.dtype != np.uint8 or images.ndim != 4:
        raise ValueError(f"expected uint8 images of shape (N, H, W, 3), got {images.dtype} {images.shape}")
    return images


class OnnxModel:
    """One ONNX graph on the CPU: uint8 images (N, H, W, 3) in, float outputs by name out.

    One session is shared by every thread of the process (ONNX Runtime's `run` is thread-safe).
    """

    def __init__(self, path: str | Path | bytes):
        options = ort.SessionOptions()
        options.log_severity_level = 3
        source = path if isinstance(path, bytes) else str(path)  # bytes: a graph built in memory
        self.session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [output.name for output in self.session.get_outputs()]

    def predict(self, images: np.ndarray, outputs: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        names = list(outputs or self.output_names)
        return dict(zip(names, self.session.run(names, {self.input_name: require_images(images)})))


@dataclass(frozen=True)
class ServedModel:
    """A model version as served: its checked artifacts, its signature and its graph's session."""

    name: str
    version: int
    kind: str
    signature: dict
    graph: OnnxModel
    version_id: int | None = None  # the registry's id, when it is registered

    @classmethod
    def load(cls, folder: Path, *, version_id: int | None = None) -> "ServedModel":
        """Verify the folder's checksums and signature, then open its graph (errors say which failed)."""
        manifest = Manifest.read(folder)
        manifest.verify(folder)
        return cls(manifest.name, manifest.version, manifest.kind, validate(manifest.signature),
                   OnnxModel(folder / ONNX_FILE), version_id)

    @property
    def input_size(self) -> tuple[int, int]:
        height, width = self.signature["input"]["shape"][1:3]
        return width, height

    def inputs(self, pictures: Sequence[Image.Image]) -> np.ndarray:
        """RGB pictures -> the graph's uint8 batch (whole picture squashed, as the signature says)."""
        return np.stack([to_model_input(picture, self.input_size) for picture in pictures])

    def predict(self, images: np.ndarray, outputs: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        return self.graph.predict(images, outputs)

    def verdicts(self, pictures: Sequence[Image.Image]) -> tuple[list[answers.Verdict], np.ndarray]:
        """(verdict of each picture, embeddings (N, D)) in one batched run: what labeling scores need."""
        decision, unusual = self.signature["decision"], self.signature["decision"]["unusual"]
        needed = sorted({decision["output"], unusual["output"], "embedding"})
        batch = self.predict(self.inputs(pictures), needed)
        return [answers.decide(row, self.signature) for row in answers.rows(batch)], batch["embedding"]

    def answer(self, picture: Image.Image) -> answers.Answer:
        """The whole answer (verdict, tags, heatmap grid) for one RGB picture, from one run of one graph."""
        (row,) = answers.rows(self.predict(self.inputs([picture])))
        return answers.answer(row, self.signature)
