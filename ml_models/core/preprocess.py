"""Turning any decoded picture into model input, shared by serving, training, parity checks and benchmarks."""
import numpy as np
from PIL import Image, ImageOps


def to_model_input(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """RGB PIL image -> uint8 array (H, W, 3): the whole picture squashed to `size` (no crop), bilinear.

    Squashing instead of cropping keeps every pixel, so the heatmap lies over the whole photo.
    Normalisation happens inside the ONNX graph.
    """
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.uint8)


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB: transparency over white, 16-bit and float scaled (not clipped), CMYK converted."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or values.max() > 255 else 255.0
        image = Image.fromarray(np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8), mode="L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode in ("RGB", "L") and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("RGB")


def load_rgb(path) -> Image.Image:
    """An image file as 8-bit RGB with its EXIF orientation applied (first frame of animations)."""
    with Image.open(path) as image:
        image.seek(0)
        return to_rgb(ImageOps.exif_transpose(image))
