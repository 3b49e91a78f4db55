"""Serve the active model with ONNX Runtime: one session per process, shared by all threads.

`ActiveModel.get()` is called on every request: it asks the database which version is active
and, when that changed, loads the new session before swapping it in, so requests already
running keep the session they started with.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from eduai.errors import AppError
from ml_models.artifacts import HEAD_FILE, ONNX_FILE, Manifest, load_classifier_head

IMAGENET_KIND = "imagenet_zero_shot"
log = logging.getLogger(__name__)


class NoActiveModel(AppError):
    """No model version is active: run `manage.py prepare_models`."""

    def __init__(self, detail=None):
        from django.utils.translation import gettext as _

        super().__init__("no_active_model", detail or _(
            "No model is active yet. An administrator must run: manage.py prepare_models"), 503)


@dataclass(frozen=True)
class LoadedModel:
    version_id: int | None
    name: str
    version: int
    kind: str
    session: ort.InferenceSession
    head_kernel: np.ndarray  # (embedding, classes)
    head_bias: np.ndarray
    signature: dict

    @classmethod
    def load(cls, folder: Path, *, version_id: int | None = None) -> "LoadedModel":
        """Verify the folder's checksums, then open its ONNX graph on the CPU."""
        manifest = Manifest.read(folder)
        manifest.verify(folder)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        session = ort.InferenceSession(str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"])
        kernel, bias = load_classifier_head(folder / HEAD_FILE)
        return cls(version_id, manifest.name, manifest.version, manifest.kind, session, kernel, bias,
                   manifest.signature)

    @property
    def class_names(self) -> list[str]:
        return list(self.signature.get("class_names", [])) if self.kind != IMAGENET_KIND else []

    @property
    def input_size(self) -> tuple[int, int]:
        height, width = self.signature["input"]["shape"][1:3]
        return width, height

    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """uint8 images (N, H, W, 3) -> {"probabilities", "embedding", "feature_maps"}."""
        if images.dtype != np.uint8 or images.ndim != 4:
            raise ValueError("expected a uint8 batch of shape (N, H, W, 3)")
        names = [output.name for output in self.session.get_outputs()]
        return dict(zip(names, self.session.run(names, {self.session.get_inputs()[0].name: images})))


class ActiveModel:
    """Process-wide holder of the active version's session (thread-safe, swapped atomically)."""

    _lock = threading.Lock()
    _current: LoadedModel | None = None
    _failed_version_id: int | None = None  # not tried again on every request: once per activation

    @classmethod
    def get(cls) -> LoadedModel:
        """The active version's model; if a newly activated one cannot be loaded here, keep serving
        the one already loaded (and say so in the log, once) rather than fail requests."""
        from django.conf import settings

        from ml_models.selectors import active_version

        version = active_version()
        if version is None:
            raise NoActiveModel()
        current = cls._current
        if current is not None and version.id in (current.version_id, cls._failed_version_id):
            return current
        with cls._lock:
            if cls._current is None or cls._current.version_id != version.id:
                try:
                    cls._current = LoadedModel.load(settings.MODELS_DIR / version.artifact_dir, version_id=version.id)
                except Exception:
                    if cls._current is None:
                        raise
                    cls._failed_version_id = version.id
                    log.exception("could not load %s; still serving %s v%s", version, cls._current.name,
                                  cls._current.version)
            return cls._current

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls._current = None
            cls._failed_version_id = None


class ImageNetModel:
    """The pretrained ImageNet network, loaded once: tags and the unusual score always come from it."""

    _lock = threading.Lock()
    _current: LoadedModel | None = None

    @classmethod
    def get(cls) -> LoadedModel:
        if cls._current is None:
            from django.conf import settings

            from ml_models import pretrained

            with cls._lock:
                if cls._current is None:
                    cls._current = LoadedModel.load(pretrained.artifact_dir(settings.MODELS_DIR))
        return cls._current

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls._current = None
