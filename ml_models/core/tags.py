"""Readable tags from ImageNet probabilities: coarse groups (dog, food, vehicle...) and top classes."""
from __future__ import annotations

import re
import unicodedata

import numpy as np

from ml_models.core import imagenet

SOURCE = "imagenet"  # every tag says where it comes from: the 1,000 ImageNet classes


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def group_label(group: str) -> dict:
    """{"tag", "label_es", "label_en"} of a coarse group such as "dog"."""
    spanish, english = imagenet.group_names(group)
    return {"tag": group, "label_es": spanish, "label_en": english}


def class_label(index: int) -> dict:
    """{"tag", "label_es", "label_en"} of one ImageNet class."""
    return {"tag": _slug(imagenet.english_name(index)), "label_es": imagenet.spanish_name(index),
            "label_en": imagenet.english_name(index)}


def name_label(name: str) -> dict:
    """A class name of a trained model, in both languages when it is one of the groups (cat, dog...)."""
    try:
        return group_label(name)
    except KeyError:
        return {"tag": _slug(name), "label_es": name, "label_en": name}


def tags_for(probabilities: np.ndarray, *, verdict: str, min_group_confidence: float, min_class_confidence: float,
             max_class_tags: int, **_settings) -> tuple[list[dict], bool]:
    """(tags, agree) for one picture's ImageNet probabilities (1000,).

    Tags are the groups holding at least `min_group_confidence` of the probability and up to
    `max_class_tags` classes of at least `min_class_confidence`, most confident first, except that
    when the verdict is cat or dog its group comes first (with its own mass, however small), so
    the first coarse tag never contradicts the answer. `agree` says whether the ImageNet network's
    most likely group is the verdict too (always true for an unusual verdict): when it is false the
    page explains that the two models see the picture differently.
    """
    names, matrix = imagenet.group_matrix()
    masses = probabilities @ matrix
    groups = [{**group_label(group), "kind": "group", "source": SOURCE, "confidence": float(mass)}
              for group, mass in zip(names, masses) if mass >= min_group_confidence or group == verdict]
    classes = []
    # stable: equal probabilities in the lower index first, as static/js/lib/answer.js does
    for index in np.argsort(-probabilities, kind="stable")[:max_class_tags]:
        confidence = float(probabilities[index])
        if confidence < min_class_confidence:
            break
        classes.append({**class_label(int(index)), "kind": "class", "source": SOURCE, "imagenet_index": int(index),
                        "confidence": confidence})
    tags = sorted(groups + classes, key=lambda tag: -tag["confidence"])
    if verdict in names:
        tags.sort(key=lambda tag: not (tag["kind"] == "group" and tag["tag"] == verdict))  # stable: the rest keep order
    agree = verdict not in names or names[int(np.argmax(masses))] == verdict
    return tags, agree
