"""Real image files made in memory, one per case the upload path must handle."""
import io
import struct
import zlib

import numpy as np
from PIL import Image

EXIF_ORIENTATION = 0x0112


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def gradient(width: int = 64, height: int = 48) -> Image.Image:
    """An RGB picture whose top-left is dark and bottom-right bright, so orientation can be seen."""
    x = np.linspace(0, 255, width)[None, :]
    y = np.linspace(0, 255, height)[:, None]
    red = ((x + y) / 2).astype(np.uint8)
    return Image.fromarray(np.dstack([red, np.broadcast_to(x, red.shape).astype(np.uint8), np.zeros_like(red)]))


def jpeg(width: int = 64, height: int = 48) -> bytes:
    return encode(gradient(width, height), "JPEG", quality=90)


def exif_rotated_jpeg() -> bytes:
    """Stored 64x48 with orientation 6 (rotate 90° clockwise to view): shown as 48x64."""
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    return encode(gradient(64, 48), "JPEG", exif=exif.tobytes())


def greyscale_jpeg() -> bytes:
    return encode(gradient().convert("L"), "JPEG")


def cmyk_jpeg() -> bytes:
    return encode(gradient().convert("CMYK"), "JPEG")


def rgba_png() -> bytes:
    """Left half opaque red, right half fully transparent."""
    pixels = np.zeros((48, 64, 4), dtype=np.uint8)
    pixels[:, :32] = (255, 0, 0, 255)
    return encode(Image.fromarray(pixels, mode="RGBA"), "PNG")


def palette_png() -> bytes:
    return encode(gradient().convert("P", palette=Image.Palette.ADAPTIVE, colors=16), "PNG")


def png16(value: int = 32768) -> bytes:
    """A 16-bit greyscale PNG filled with `value` (0..65535)."""
    return encode(Image.fromarray(np.full((48, 64), value, dtype=np.uint16)), "PNG")


def _animation(fmt: str) -> bytes:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def animated_gif() -> bytes:
    return _animation("GIF")


def animated_webp() -> bytes:
    return _animation("WEBP")


def truncated_jpeg() -> bytes:
    data = encode(Image.fromarray(np.random.RandomState(0).randint(0, 255, (200, 200, 3), dtype=np.uint8)), "JPEG")
    return data[: len(data) // 2]


def decompression_bomb_png(side: int = 30000) -> bytes:
    """A tiny, valid-looking PNG whose header declares side x side pixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


TEXT = b"Hola, esto no es una imagen.\n"
HTML = b"<!doctype html><html><body><h1>No soy una foto</h1></body></html>"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
