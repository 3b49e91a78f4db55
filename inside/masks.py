"""Reading the occlusion mask a student painted: a PNG, base64 in JSON, white where the photo is hidden."""
from __future__ import annotations

import base64
import binascii
import io
import warnings

import numpy as np
from django.utils.translation import gettext as _
from PIL import Image

from eduai.errors import AppError
from ml_models.core.contract import INPUT_SIZE

# a painted 4000 x 3000 mask compresses to a few hundred kB; the JSON body itself stops at
# DATA_UPLOAD_MAX_MEMORY_SIZE (2 MB, a 413 before it is read)
MAX_MASK_BYTES = 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HIDDEN_FROM = 128  # grey level from which a pixel counts as painted (hidden)


def _invalid(detail) -> AppError:
    return AppError("invalid", detail, 400, field="mask")


def read_mask(text, *, photo_size: tuple[int, int]) -> np.ndarray:
    """A base64 PNG (optionally a data: URL) of the photo's size or 224x224 -> (224, 224) bool, True where
    hidden. Transparent pixels count as not painted. Raises AppError ("invalid") naming what is wrong."""
    if not isinstance(text, str) or not text:
        raise _invalid(_("Send the mask as a PNG image in base64."))
    if text.startswith("data:"):
        header, _comma, text = text.partition(",")
        if not header.startswith("data:image/png;base64"):
            raise _invalid(_("The mask must be a PNG image."))
    if len(text) > MAX_MASK_BYTES * 4 // 3 + 4:
        raise _invalid(_("The mask is too large: at most %(size)s MB as a PNG.") % {"size": MAX_MASK_BYTES // (1024 * 1024)})
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(_("The mask is not valid base64.")) from None
    if not content.startswith(PNG_SIGNATURE):
        raise _invalid(_("The mask must be a PNG image."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                size = image.size
                allowed = {tuple(photo_size), (INPUT_SIZE, INPUT_SIZE)}
                if size not in allowed:
                    raise _invalid(_("The mask must be %(photo)s pixels (the photo's size) or %(model)s; it is "
                                     "%(size)s.") % {"photo": "×".join(map(str, photo_size)),
                                                     "model": f"{INPUT_SIZE}×{INPUT_SIZE}",
                                                     "size": "×".join(map(str, size))})
                image.load()
                grey = _painted_grey(image)
    except AppError:
        raise
    except Exception:  # noqa: BLE001 - any decoder failure is the same for the student: a broken PNG
        raise _invalid(_("The mask could not be read as a PNG image.")) from None
    if grey.size != (INPUT_SIZE, INPUT_SIZE):
        grey = grey.resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BOX)
    return np.asarray(grey) >= HIDDEN_FROM


def _painted_grey(image: Image.Image) -> Image.Image:
    """Grey levels with transparency taken as unpainted (a canvas's background is transparent black)."""
    if image.mode in ("RGBA", "LA", "PA", "P") or "transparency" in image.info:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
        grey = rgba[..., :3].mean(-1) * rgba[..., 3] / 255.0
        return Image.fromarray(np.rint(grey).astype(np.uint8), mode="L")
    return image.convert("L")
