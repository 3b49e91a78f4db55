"""Validate an uploaded file as an image and normalise it to RGB (no Django models, no files written)."""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from eduai.errors import AppError
from ml_models.core.preprocess import to_rgb

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}


class ImageRejected(AppError):
    """The upload is not an image we accept (bulk uploads catch it to report the file and go on)."""


@dataclass(frozen=True)
class NormalisedImage:
    content: bytes
    sha256: str
    format: str
    extension: str
    rgb: Image.Image  # orientation applied, first frame, 8-bit RGB
    width: int
    height: int


def read_image(content: bytes, *, max_bytes: int, max_pixels: int) -> NormalisedImage:
    """Check size, type, pixel count and integrity, then normalise; raise ImageRejected otherwise."""
    check_file_size(len(content), max_bytes=max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
    except UnidentifiedImageError as error:
        raise _unsupported_type() from error
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise _too_many_pixels(max_pixels) from error
    if image.format not in ACCEPTED_FORMATS:
        raise _unsupported_type()
    if image.width * image.height > max_pixels:
        raise _too_many_pixels(max_pixels)
    try:
        image.seek(0)  # animations: the first frame
        image.load()
        rgb = to_rgb(ImageOps.exif_transpose(image))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ImageRejected("corrupt_image", _("The image is damaged or incomplete and cannot be read."), 400) from error
    return NormalisedImage(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        format=image.format,
        extension=ACCEPTED_FORMATS[image.format],
        rgb=rgb,
        width=rgb.width,
        height=rgb.height,
    )


def check_file_size(size: int, *, max_bytes: int) -> None:
    """Raise ImageRejected for an empty file or one over the limit (callers may check before reading)."""
    if size == 0:
        raise ImageRejected("empty_file", _("The file is empty."), 400)
    if size > max_bytes:
        raise ImageRejected(
            "file_too_large",
            _("The file is too large (%(size).1f MB); the limit is %(limit)d MB.")
            % {"size": size / (1024 * 1024), "limit": max_bytes // (1024 * 1024)},
            413,
        )


def _unsupported_type() -> ImageRejected:
    return ImageRejected(
        "unsupported_type", _("This file is not an image we can read (use JPEG, PNG, GIF, WebP or BMP)."), 415
    )


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    return ImageRejected(
        "too_many_pixels",
        _("The image has too many pixels; the limit is %(limit)d megapixels.") % {"limit": max_pixels // 1_000_000},
        413,
    )
