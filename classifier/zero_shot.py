"""Cat, dog or unusual from ImageNet probabilities, with no training (pure numpy)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml_models.imagenet import CAT_CLASSES, DOG_CLASSES

# Chosen on the calibration split of ../shared/datasets (files whose sha256 starts with 0-7: 1,018
# cats/dogs, 152 not-cat-dog photos) as the threshold that maximises balanced accuracy; `make bench`
# recomputes it and reports the held-out split (sha256 8-f). See docs/models.md and docs/benchmarks.md.
UNUSUAL_THRESHOLD = 0.932


@dataclass(frozen=True)
class Verdict:
    """The answer shown to students, whichever model gave it."""

    cat: float  # P(cat | cat or dog)
    dog: float
    unusual_score: float  # 1 - (cat mass + dog mass): how little of the picture's probability is cat or dog
    label: str


def cat_dog_mass(probabilities: np.ndarray) -> tuple[float, float]:
    """Total ImageNet probability on cat classes and on dog-breed classes."""
    return float(probabilities[CAT_CLASSES].sum()), float(probabilities[DOG_CLASSES].sum())


def classify(probabilities: np.ndarray, *, threshold: float = UNUSUAL_THRESHOLD) -> Verdict:
    """Zero-shot: cat vs dog by ImageNet mass, unusual when little of it is on cats or dogs."""
    cat_mass, dog_mass = cat_dog_mass(probabilities)
    pet_mass = cat_mass + dog_mass
    unusual_score = float(np.clip(1.0 - pet_mass, 0.0, 1.0))
    cat = cat_mass / pet_mass if pet_mass > 0 else 0.5
    return Verdict(cat=cat, dog=1.0 - cat, unusual_score=unusual_score, label=_label(unusual_score, cat, threshold))


def with_classifier(zero_shot: Verdict, cat: float, dog: float, *, threshold: float = UNUSUAL_THRESHOLD) -> Verdict:
    """A trained cat/dog classifier decides between cat and dog; whether the photo is unusual still
    comes from the ImageNet network, which has seen a thousand kinds of things (ours only two)."""
    total = cat + dog
    p_cat = cat / total if total > 0 else 0.5
    return Verdict(cat=p_cat, dog=1.0 - p_cat, unusual_score=zero_shot.unusual_score,
                   label=_label(zero_shot.unusual_score, p_cat, threshold))


def _label(unusual_score: float, cat: float, threshold: float) -> str:
    """Unusual when little of the picture is cat or dog; otherwise the likelier of the two."""
    if unusual_score >= threshold:
        return "unusual"
    return "cat" if cat >= 0.5 else "dog"
