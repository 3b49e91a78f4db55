"""The one resize every caller shares (server, parity checks, benchmarks); the browser mirrors it."""
import numpy as np
from PIL import Image


def to_model_input(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """RGB PIL image -> uint8 array (H, W, 3): the whole picture squashed to `size` (no crop), bilinear.

    Squashing instead of cropping keeps every pixel, so the heatmap lies over the whole photo.
    Normalisation happens inside the ONNX graph.
    """
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.uint8)
