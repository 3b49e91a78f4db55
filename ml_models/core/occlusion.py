"""Occlusion: hide part of a picture and see how the answer moves (no Django, no TensorFlow).

Everything works on the model's 224x224 input. A mask is a (224, 224) bool array, True where hidden; the
hidden pixels are replaced by a fill: the picture's mean colour, a blurred copy, or mid grey. What is
measured is the answer's own number: P(cat) for a cat, P(dog) for a dog, the unusual score for an
unusual picture (so a drop always means "less sure of its answer").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter
from scipy.stats import spearmanr

from ml_models.core import answer as answers
from ml_models.core.inference import ServedModel

FILLS = ("mean", "blur", "grey")
BLUR_RADIUS = 12  # pixels of the 224x224 input: enough to wipe out fur and eyes, keeping the colours
FAITHFULNESS_FRACTION = 0.2
MAX_POSITIONS = 256
BATCH = 32


def filled(image: np.ndarray, fill: str) -> np.ndarray:
    """What hidden pixels become: uint8 (H, W, 3) the size of `image`."""
    if fill == "mean":
        return np.broadcast_to(np.rint(image.reshape(-1, 3).mean(0)).astype(np.uint8), image.shape).copy()
    if fill == "grey":
        return np.full(image.shape, 128, np.uint8)
    if fill == "blur":
        return np.asarray(Image.fromarray(image).filter(ImageFilter.GaussianBlur(BLUR_RADIUS)))
    raise ValueError(f"fill must be one of {FILLS}")


def occlude(image: np.ndarray, mask: np.ndarray, replacement: np.ndarray) -> np.ndarray:
    return np.where(mask[..., None], replacement, image)


def score_of(verdict: answers.Verdict, label: str) -> float:
    """The number an answer of `label` stands on."""
    return verdict.unusual_score if label == answers.UNUSUAL else getattr(verdict, label)


def verdicts(model: ServedModel, images: np.ndarray) -> list[answers.Verdict]:
    """The verdict of each uint8 model input (N, 224, 224, 3), in batches."""
    decision = model.signature["decision"]
    needed = sorted({decision["output"], decision["unusual"]["output"]})
    found = []
    for start in range(0, len(images), BATCH):
        batch = model.predict(images[start:start + BATCH], needed)
        found += [answers.decide(row, model.signature) for row in answers.rows(batch)]
    return found


def upsampled(grid: np.ndarray, size: int) -> np.ndarray:
    """A coarse (h, w) map -> (size, size) floats, bilinear (as the heatmap is drawn over the photo)."""
    return np.asarray(Image.fromarray(np.asarray(grid, np.float32), mode="F").resize((size, size), Image.BILINEAR))


def cam_overlap(mask: np.ndarray, cam: np.ndarray) -> float:
    """Share of the heatmap's weight (the per-photo CAM, in [0, 1]) that lies under the mask."""
    weights = upsampled(np.clip(cam, 0, None), mask.shape[0])
    total = float(weights.sum())
    return float(weights[mask].sum() / total) if total > 0 else 0.0


def rank_correlation(first: np.ndarray, second: np.ndarray) -> float | None:
    """Spearman's rank correlation of two maps of the same shape; None when either is constant."""
    a, b = np.ravel(first), np.ravel(second)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return float(spearmanr(a, b).statistic)


@dataclass(frozen=True)
class OcclusionMap:
    label: str
    baseline: float
    patch: int
    stride: int
    drops: np.ndarray  # (rows, cols): baseline - the answer's number with that patch hidden


def positions(size: int, patch: int, stride: int) -> list[int]:
    """Top (or left) edges of a patch sliding over `size` pixels; the last one touches the far edge."""
    edges = list(range(0, size - patch + 1, stride))
    if edges[-1] != size - patch:
        edges.append(size - patch)
    return edges


def occlusion_map(model: ServedModel, image: np.ndarray, *, label: str, patch: int, stride: int,
                  fill: str) -> OcclusionMap:
    """Slide a patch of `fill` over the uint8 (224, 224, 3) input: the drop of the answer's number at each place."""
    edges = positions(image.shape[0], patch, stride)
    if len(edges) ** 2 > MAX_POSITIONS:
        raise ValueError(f"at most {MAX_POSITIONS} positions")
    replacement = filled(image, fill)
    batch = [image]
    for top in edges:
        for left in edges:
            mask = np.zeros(image.shape[:2], bool)
            mask[top:top + patch, left:left + patch] = True
            batch.append(occlude(image, mask, replacement))
    scores = [score_of(verdict, label) for verdict in verdicts(model, np.stack(batch))]
    baseline = scores[0]
    drops = baseline - np.asarray(scores[1:], np.float32).reshape(len(edges), len(edges))
    return OcclusionMap(label, baseline, patch, stride, drops)


def hottest_and_coldest(evidence: np.ndarray, size: int, fraction: float = FAITHFULNESS_FRACTION):
    """Masks of the `fraction` of pixels where the signed evidence map (upsampled) is highest, and lowest."""
    values = upsampled(evidence, size).ravel()
    order = np.argsort(values, kind="stable")
    count = int(round(fraction * values.size))
    hot, cold = np.zeros(values.size, bool), np.zeros(values.size, bool)
    hot[order[-count:]], cold[order[:count]] = True, True
    return hot.reshape(size, size), cold.reshape(size, size)


@dataclass(frozen=True)
class Faithfulness:
    label: str
    fill: str
    baseline: float
    hot: float  # the answer's number with the hottest fifth hidden
    cold: float

    @property
    def faithful(self) -> bool:
        return self.baseline - self.hot > self.baseline - self.cold

    def as_dict(self) -> dict:
        return {"class": self.label, "fraction": FAITHFULNESS_FRACTION, "fill": self.fill,
                "baseline": round(self.baseline, 4),
                "hot": {"probability": round(self.hot, 4), "drop": round(self.baseline - self.hot, 4)},
                "cold": {"probability": round(self.cold, 4), "drop": round(self.baseline - self.cold, 4)},
                "faithful": self.faithful}


def faithfulness(model: ServedModel, image: np.ndarray, evidence: np.ndarray, *, label: str,
                 fill: str = "mean") -> Faithfulness:
    """Hide the CAM's hottest fifth, then its coldest fifth: a map that shows what the model used must
    lower the answer's number more the first time."""
    hot, cold = hottest_and_coldest(evidence, image.shape[0])
    replacement = filled(image, fill)
    found = verdicts(model, np.stack([image, occlude(image, hot, replacement), occlude(image, cold, replacement)]))
    baseline, hot_score, cold_score = (score_of(verdict, label) for verdict in found)
    return Faithfulness(label, fill, baseline, hot_score, cold_score)
