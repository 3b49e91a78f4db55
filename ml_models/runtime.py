"""Serve model versions with ONNX Runtime, per class, with hot swap.

`model_for(classroom)` runs on every request: it asks the database which version answers for that
class (its active version, or the global pretrained default) and takes that version's session from
a bounded, process-wide cache of recently used versions, loading it first if needed. Requests
already running keep the session they started with, so activation and rollback never interrupt
them. A version that fails to load here is remembered (not retried on every request) and the class
keeps being served by the version that last answered for it.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from django.conf import settings
from django.utils.translation import gettext as _

from eduai.errors import AppError
from ml_models import selectors
from ml_models.core.inference import ServedModel

log = logging.getLogger(__name__)


class NoActiveModel(AppError):
    """No version can answer yet: run `manage.py prepare_models`."""

    def __init__(self):
        super().__init__("no_active_model", _(
            "No model is active yet. An administrator must run: manage.py prepare_models"), 503)


class SessionCache:
    """Sessions of the `size` most recently used versions (thread-safe; loading happens outside the
    lookup lock, one loader per version)."""

    def __init__(self, size: int):
        self.size = size
        self._models: OrderedDict[int, ServedModel] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[int, threading.Lock] = {}
        self.failed: set[int] = set()  # versions that did not load in this process

    def get(self, version) -> ServedModel:
        """The served model of a registered version (anything with `pk` and `artifact_dir`)."""
        with self._lock:
            model = self._models.get(version.pk)
            if model is not None:
                self._models.move_to_end(version.pk)
                return model
            loading = self._loading.setdefault(version.pk, threading.Lock())
        with loading:
            with self._lock:
                if version.pk in self._models:
                    return self._models[version.pk]
            try:
                model = ServedModel.load(settings.MODELS_DIR / version.artifact_dir, version_id=version.pk)
            except Exception:
                self.failed.add(version.pk)
                raise
            with self._lock:
                self._models[version.pk] = model
                while len(self._models) > self.size:
                    self._models.popitem(last=False)
                self._loading.pop(version.pk, None)
            return model

    def cached_ids(self) -> list[int]:
        with self._lock:
            return list(self._models)

    def clear(self) -> None:
        with self._lock:
            self._models.clear()
            self._loading.clear()
            self.failed.clear()


sessions = SessionCache(settings.EDUAI_MODEL_CACHE_SIZE)
_last_served: dict[int | None, int] = {}  # class id (None: no class) -> version id that last answered it
_last_served_lock = threading.Lock()


def model_for(classroom=None) -> ServedModel:
    """The model that answers for `classroom` (None: the default) now; NoActiveModel when none is ready."""
    version = selectors.serving_version(classroom=classroom)
    if version is None:
        raise NoActiveModel()
    key = getattr(classroom, "pk", None)
    if version.pk not in sessions.failed:
        try:
            model = sessions.get(version)
        except Exception:
            log.exception("could not load %s for class %s", version, key)
        else:
            with _last_served_lock:
                _last_served[key] = version.pk
            return model
    fallback = _fallback(key, version.pk)
    if fallback is None:
        raise NoActiveModel()
    return fallback


def _fallback(key, failed_id: int) -> ServedModel | None:
    """The version that last answered for this class, still cached, when the active one cannot load."""
    with _last_served_lock:
        previous = _last_served.get(key)
    if previous is None or previous == failed_id:
        return None
    with sessions._lock:  # noqa: SLF001 - a read of the cache without loading anything
        return sessions._models.get(previous)


def clear() -> None:
    """Forget every session and failure (tests; a process never needs it)."""
    sessions.clear()
    with _last_served_lock:
        _last_served.clear()
