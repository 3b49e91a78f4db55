"""Class Activation Maps (Zhou et al., 2016) from the graph's class maps, and their PNG overlay (numpy)."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

# A perceptually ordered blue -> cyan -> green -> yellow -> red ramp (stops at 0, .25, .5, .75, 1).
_RAMP = np.array([[49, 54, 149], [69, 187, 230], [120, 198, 121], [254, 224, 90], [215, 48, 39]], dtype=np.float32)
MAX_ALPHA = 0.85
OVERLAY_MAX_SIDE = 320  # the map is smooth; the browser scales it up


def class_activation_map(class_maps: np.ndarray, probabilities: np.ndarray, classes) -> np.ndarray:
    """(H, W, K) class maps -> (H, W) grid in [0, 1] of where the evidence for `classes` lies.

    `class_maps[h, w, k]` is cell (h, w)'s share of class k's logit (feature maps times the final
    layer's weights, which the graph computes). For a group of classes (all dog breeds, say) the
    maps are averaged, weighted by the classes' probabilities. Negative evidence is cut to 0.
    """
    classes = np.asarray(list(classes))
    weights = probabilities[classes].astype(np.float64)
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    grid = np.maximum(class_maps[..., classes] @ (weights / weights.sum()), 0.0)
    top = grid.max()
    return (grid / top if top > 0 else grid).astype(np.float32)


def colorize(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> RGB uint8 on the ramp above."""
    position = np.clip(values, 0, 1) * (len(_RAMP) - 1)
    low = np.floor(position).astype(int).clip(0, len(_RAMP) - 2)
    fraction = (position - low)[..., None]
    return (_RAMP[low] * (1 - fraction) + _RAMP[low + 1] * fraction).round().astype(np.uint8)


def heatmap_png(grid: np.ndarray, size: tuple[int, int]) -> bytes:
    """RGBA PNG of the grid, upsampled smoothly to the image's aspect ratio; transparent where 0."""
    width, height = size
    scale = min(1.0, OVERLAY_MAX_SIDE / max(width, height))
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    smooth = np.asarray(Image.fromarray(grid.astype(np.float32), mode="F").resize(target, Image.Resampling.BICUBIC))
    smooth = np.clip(smooth, 0, 1)
    rgba = np.dstack([colorize(smooth), (smooth * MAX_ALPHA * 255).round().astype(np.uint8)])
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()
