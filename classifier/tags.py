"""Readable tags from ImageNet probabilities: coarse groups (dog, food, vehicle...) and top classes."""
from __future__ import annotations

import numpy as np
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ml_models import imagenet

GROUP_LABELS = {
    "dog": _("dog"),
    "cat": _("cat"),
    "wild_canine": _("wild canine"),
    "big_cat": _("big cat"),
    "bird": _("bird"),
    "fish": _("fish"),
    "reptile_amphibian": _("reptile or amphibian"),
    "insect": _("insect or invertebrate"),
    "mammal": _("mammal"),
    "vehicle": _("vehicle"),
    "food": _("food"),
    "plant": _("plant"),
    "building": _("building"),
    "nature": _("landscape"),
    "clothing": _("clothing"),
    "instrument": _("musical instrument"),
    "electronics": _("electronics"),
    "sport": _("sport"),
    "furniture": _("furniture"),
    "kitchen": _("kitchen"),
    "tool": _("tool"),
    "object": _("object"),
}
MIN_GROUP_CONFIDENCE = 0.10
MIN_CLASS_CONFIDENCE = 0.02
MAX_CLASS_TAGS = 5


def _in_both_languages(text) -> tuple[str, str]:
    with translation.override("es"):
        spanish = str(text)
    with translation.override("en"):
        english = str(text)
    return spanish, english


def group_label(group: str) -> dict:
    """{"tag", "label_es", "label_en"} of a coarse group such as "dog"."""
    spanish, english = _in_both_languages(GROUP_LABELS[group])
    return {"tag": group, "label_es": spanish, "label_en": english}


def class_label(index: int) -> dict:
    """{"tag", "label_es", "label_en"} of one ImageNet class."""
    return {
        "tag": slugify(imagenet.english_name(index)),
        "label_es": imagenet.spanish_name(index),
        "label_en": imagenet.english_name(index),
    }


def tags_for(probabilities: np.ndarray) -> list[dict]:
    """Groups holding at least 10 % of the probability, plus up to 5 classes of at least 2 %, most confident first."""
    names, matrix = imagenet.group_matrix()
    tags = []
    for group, mass in zip(names, probabilities @ matrix):
        if mass >= MIN_GROUP_CONFIDENCE:
            tags.append({**group_label(group), "kind": "group", "confidence": float(mass)})
    for index in np.argsort(-probabilities)[:MAX_CLASS_TAGS]:
        confidence = float(probabilities[index])
        if confidence < MIN_CLASS_CONFIDENCE:
            break
        tags.append({**class_label(int(index)), "kind": "class", "imagenet_index": int(index), "confidence": confidence})
    return sorted(tags, key=lambda tag: -tag["confidence"])
