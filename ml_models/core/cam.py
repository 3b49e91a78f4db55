"""Heatmaps from the graph's class maps (Class Activation Maps, Zhou et al., 2016), and their PNG overlay (numpy).

`class_maps[h, w, k]` is feature_maps[h, w] · kernel[:, k]: averaged over the H×W cells, plus class k's
bias, it is class k's logit. A heatmap of one class's map alone does not explain a decision between
classes (a softmax only depends on logit differences), so `evidence_map` combines the maps the way the
decision does: each cell's share of the log-odds of the answer against its alternative.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

# A perceptually ordered blue -> cyan -> green -> yellow -> red ramp (stops at 0, .25, .5, .75, 1).
_RAMP = np.array([[49, 54, 149], [69, 187, 230], [120, 198, 121], [254, 224, 90], [215, 48, 39]], dtype=np.float32)
MAX_ALPHA = 0.85
OVERLAY_MAX_SIDE = 320  # the map is smooth; the browser scales it up
# The fixed scale: full colour where one cell adds this much to the log-odds of the answer (logits per
# cell; +0.5 multiplies the odds by e^0.5 ≈ 1.65). The same for every photo and every version, so a weak
# map stays faint. Measured on the pretrained version's calibration split: the strongest cell of 41 % of
# the correctly answered photos reaches it, of 2 % of the wrongly answered ones (docs/models.md, section 5).
FIXED_SCALE_LOGITS = 0.5


def _weights(probabilities: np.ndarray, classes: np.ndarray) -> np.ndarray:
    weights = probabilities[classes].astype(np.float64)
    if weights.sum() <= 0:  # no probability at all on the group: weigh its classes equally
        weights = np.ones_like(weights)
    return weights / weights.sum()


def evidence_map(class_maps: np.ndarray, probabilities: np.ndarray, towards, against) -> np.ndarray:
    """(H, W, K) class maps -> (H, W) signed map, in logits per cell, of the evidence for the classes
    `towards` against the classes `against`.

    It is the first-order (gradient) expansion of log(P(towards) / P(against)) in the logits, applied to
    the class maps: sum over towards of (p_k / P(towards)) · map_k, minus the same over against, divided
    by the number of cells. With one class on each side it is (map_a - map_b) / cells, and its sum over
    the cells is exactly logit_a - logit_b minus the bias difference. Positive cells push the decision
    towards `towards`, negative ones towards `against`.
    """
    towards, against = np.asarray(list(towards), dtype=int), np.asarray(list(against), dtype=int)
    maps = class_maps.astype(np.float64)
    combined = maps[..., towards] @ _weights(probabilities, towards) - maps[..., against] @ _weights(probabilities, against)
    return (combined / (maps.shape[0] * maps.shape[1])).astype(np.float32)


def per_photo_scale(evidence: np.ndarray) -> np.ndarray:
    """The evidence for the answer in [0, 1], divided by this photo's own largest value (negative cut to 0)."""
    positive = np.maximum(evidence, 0.0)
    top = positive.max()
    return (positive / top if top > 0 else positive).astype(np.float32)


def fixed_scale(evidence: np.ndarray, full: float = FIXED_SCALE_LOGITS) -> np.ndarray:
    """The evidence for the answer in [0, 1] on the fixed scale: 1 at `full` logits per cell or more."""
    return np.clip(np.asarray(evidence, dtype=np.float32) / full, 0.0, 1.0)


def colorize(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> RGB uint8 on the ramp above."""
    position = np.clip(values, 0, 1) * (len(_RAMP) - 1)
    low = np.floor(position).astype(int).clip(0, len(_RAMP) - 2)
    fraction = (position - low)[..., None]
    return (_RAMP[low] * (1 - fraction) + _RAMP[low + 1] * fraction).round().astype(np.uint8)


def heatmap_png(grid: np.ndarray, size: tuple[int, int]) -> bytes:
    """RGBA PNG of a grid in [0, 1], upsampled smoothly to the image's aspect ratio; transparent where 0."""
    width, height = size
    scale = min(1.0, OVERLAY_MAX_SIDE / max(width, height))
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    smooth = np.asarray(Image.fromarray(grid.astype(np.float32), mode="F").resize(target, Image.Resampling.BICUBIC))
    smooth = np.clip(smooth, 0, 1)
    rgba = np.dstack([colorize(smooth), (smooth * MAX_ALPHA * 255).round().astype(np.uint8)])
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()
