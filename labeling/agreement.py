"""Agreement between labelers (pure Python + scikit-learn, no Django): consensus, Cohen's and Fleiss' kappa."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

from sklearn.metrics import cohen_kappa_score

NEEDS_LABELS, CONSENSUS, DISPUTED = "needs_labels", "consensus", "disputed"


def consensus(values: list[str], *, needed: int) -> tuple[str, str | None]:
    """(status, agreed value) for one image's votes: a consensus needs `needed` votes and a value
    chosen by more than half of them; a tie or a split is disputed."""
    if len(values) < needed or not values:
        return NEEDS_LABELS, None
    (top, count), = Counter(values).most_common(1)
    if count * 2 > len(values):
        return CONSENSUS, top
    return DISPUTED, None


@dataclass(frozen=True)
class PairKappa:
    labeler_a: str
    labeler_b: str
    images: int  # labelled by both
    agreement: float  # fraction of those images with the same label
    kappa: float | None  # None when undefined (both always gave one and the same label)


def cohen_pairs(votes: list[tuple[int, str, str]], *, min_images: int = 1) -> list[PairKappa]:
    """Cohen's kappa for every pair of labelers over the images both labelled; votes are (image, labeler, value)."""
    by_labeler: dict[str, dict[int, str]] = defaultdict(dict)
    for image, labeler, value in votes:
        by_labeler[labeler][image] = value
    pairs = []
    for a, b in combinations(sorted(by_labeler), 2):
        shared = sorted(by_labeler[a].keys() & by_labeler[b].keys())
        if len(shared) < min_images:
            continue
        first = [by_labeler[a][image] for image in shared]
        second = [by_labeler[b][image] for image in shared]
        agreement = sum(x == y for x, y in zip(first, second)) / len(shared)
        kappa = float(cohen_kappa_score(first, second)) if len(set(first) | set(second)) > 1 else None
        pairs.append(PairKappa(a, b, len(shared), agreement, None if kappa is None or math.isnan(kappa) else kappa))
    return pairs


def fleiss_kappa(votes: list[tuple[int, str, str]]) -> float | None:
    """Fleiss' kappa over every image with two or more votes.

    Written by hand because images here get different numbers of votes, which statsmodels'
    version does not allow; this is Fleiss' (1971) formula with each image's own number of
    raters in its observed agreement. None when it is undefined (fewer than one such image, or
    every vote the same value).
    """
    per_image: dict[int, Counter] = defaultdict(Counter)
    for image, _labeler, value in votes:
        per_image[image][value] += 1
    rated = [counts for counts in per_image.values() if sum(counts.values()) >= 2]
    if not rated:
        return None
    observed = sum(
        (sum(n * n for n in counts.values()) - sum(counts.values()))
        / (sum(counts.values()) * (sum(counts.values()) - 1))
        for counts in rated
    ) / len(rated)
    totals: Counter = Counter()
    for counts in rated:
        totals.update(counts)
    all_votes = sum(totals.values())
    expected = sum((n / all_votes) ** 2 for n in totals.values())
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


MIN_SHARED_IMAGES = 20  # below this many pictures labelled by both, a kappa is not given a meaning


def rated_images(votes: list[tuple[int, str, str]]) -> int:
    """How many pictures have two or more votes (the ones Fleiss' kappa is computed on)."""
    return sum(1 for n in Counter(image for image, _labeler, _value in votes).values() if n >= 2)


def kappa_meaning(kappa: float | None, *, images: int) -> str:
    """Words for a kappa computed on `images` shared pictures, as a key the pages translate.

    With fewer than MIN_SHARED_IMAGES pictures it is noise (with 10, one picture labelled differently
    often moves kappa by a tenth or more): "too_few". Otherwise Landis & Koch (1977): below 0 worse than
    chance, exactly 0 no better than chance, then up to 0.2 slight, 0.4 fair, 0.6 moderate, 0.8
    substantial, above that almost perfect.
    """
    if kappa is None:
        return "undefined"
    if images < MIN_SHARED_IMAGES:
        return "too_few"
    if kappa < 0:
        return "worse_than_chance"
    if kappa == 0:
        return "chance"
    for limit, word in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= limit:
            return word
    return "almost_perfect"
