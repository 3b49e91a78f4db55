"""classifier/images.py: what is accepted, how it is normalised, and what is refused."""
import numpy as np
import pytest

from classifier.images import ImageRejected, read_image
from tests import images

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 50_000_000}


def read(content: bytes):
    return read_image(content, **LIMITS)


def test_exif_orientation_is_applied():
    image = read(images.exif_rotated_jpeg())
    assert (image.width, image.height) == (48, 64)
    pixels = np.asarray(image.rgb).astype(int)
    # rotated 90° clockwise: the stored image's dark top-left corner is now the top-right one
    assert pixels[0, -1].sum() < pixels[0, 0].sum()


@pytest.mark.parametrize("make", [images.greyscale_jpeg, images.cmyk_jpeg, images.palette_png, images.jpeg])
def test_modes_become_8_bit_rgb(make):
    image = read(make())
    assert image.rgb.mode == "RGB"
    assert np.asarray(image.rgb).shape == (48, 64, 3)


def test_cmyk_colours_survive_conversion():
    original = np.asarray(images.gradient(), dtype=int)
    converted = np.asarray(read(images.cmyk_jpeg()).rgb, dtype=int)
    assert np.abs(converted - original).mean() < 20


def test_transparency_is_composited_on_white():
    pixels = np.asarray(read(images.rgba_png()).rgb)
    assert tuple(pixels[10, 5]) == (255, 0, 0)
    assert tuple(pixels[10, 60]) == (255, 255, 255)


def test_16_bit_png_is_scaled_not_clipped():
    pixels = np.asarray(read(images.png16(32768)).rgb)
    assert abs(int(pixels[0, 0, 0]) - 128) <= 1


@pytest.mark.parametrize("make, fmt", [(images.animated_gif, "GIF"), (images.animated_webp, "WEBP")])
def test_animations_use_their_first_frame(make, fmt):
    image = read(make())
    assert image.format == fmt
    red, green, blue = np.asarray(image.rgb)[15, 20].astype(int)
    assert red > 200 and blue < 60


def test_same_bytes_same_hash_and_original_bytes_kept():
    content = images.jpeg()
    first, second = read(content), read(content)
    assert first.sha256 == second.sha256 and len(first.sha256) == 64
    assert first.content == content and first.extension == "jpg"


@pytest.mark.parametrize(
    "content, code, status",
    [
        (b"", "empty_file", 400),
        (images.TEXT, "unsupported_type", 415),
        (images.HTML, "unsupported_type", 415),
        (images.PDF, "unsupported_type", 415),
        (images.truncated_jpeg(), "corrupt_image", 400),
        (images.decompression_bomb_png(), "too_many_pixels", 413),
    ],
)
def test_bad_files_are_rejected_with_a_code_and_status(content, code, status):
    with pytest.raises(ImageRejected) as rejected:
        read(content)
    assert (rejected.value.code, rejected.value.status) == (code, status)
    assert rejected.value.detail


def test_over_the_byte_limit_is_too_large():
    with pytest.raises(ImageRejected) as rejected:
        read_image(images.jpeg(), max_bytes=100, max_pixels=LIMITS["max_pixels"])
    assert (rejected.value.code, rejected.value.status) == ("file_too_large", 413)


def test_pixel_limit_applies_below_pillows_own():
    with pytest.raises(ImageRejected) as rejected:
        read_image(images.jpeg(64, 48), max_bytes=LIMITS["max_bytes"], max_pixels=64 * 48 - 1)
    assert rejected.value.code == "too_many_pixels"
