"""Artifact folders: files, their sha256 and the manifest that describes them (no Django, no TensorFlow)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
ONNX_FILE = "model.onnx"  # the served graph: every output the signature names
ONNX_INT8_FILE = "served_int8.onnx"  # the same graph statically quantized to INT8 (ml_models/core/int8.py)


class ArtifactError(RuntimeError):
    """An artifact is missing, or does not match its recorded checksum."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    name: str
    version: int
    kind: str
    files: dict[str, str]  # file name -> sha256
    signature: dict
    metrics: dict

    @classmethod
    def read(cls, folder: Path) -> "Manifest":
        path = folder / MANIFEST
        if not path.exists():
            raise ArtifactError(f"no {MANIFEST} in {folder}")
        return cls(**json.loads(path.read_text()))

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(self.__dict__, indent=2, sort_keys=True))

    def verify(self, folder: Path) -> None:
        """Raise ArtifactError unless every file exists with its recorded sha256."""
        for file_name, expected in self.files.items():
            path = folder / file_name
            if not path.exists():
                raise ArtifactError(f"{path} is missing")
            if sha256_of(path) != expected:
                raise ArtifactError(f"{path} does not match its sha256")

