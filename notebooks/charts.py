"""Line charts and picture strips for the notebooks, drawn with Pillow (already a dependency of the project),
so the notebooks need no plotting library. With matplotlib installed you can draw the same numbers with it."""
from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ml_models.core.cam import heatmap_png

COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75))
MARGIN = {"left": 72, "right": 24, "top": 56, "bottom": 56}


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round values between low and high (steps of 1, 2 or 5 times a power of ten)."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step + 1e-9) + 1)]


def _log_ticks(low: float, high: float) -> list[float]:
    """1, 2 and 5 times the powers of ten between low and high (both > 0)."""
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    values = [factor * 10.0**decade for decade in decades for factor in (1, 2, 5)]
    return [value for value in values if low <= value <= high]


def _label(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.1e}"


def line_chart(series: dict[str, tuple[Sequence[float], Sequence[float]]], *, x_label: str, y_label: str,
               title: str = "", log_x: bool = False, size: tuple[int, int] = (640, 380)) -> Image.Image:
    """One line with dots per series ({name: (x values, y values)}), with axes, ticks and a legend."""
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    small, normal = _font(12), _font(14)
    xs = [float(x) for x_values, _ in series.values() for x in x_values]
    ys = [float(y) for _, y_values in series.values() for y in y_values if np.isfinite(y)]
    to_axis = math.log10 if log_x else float
    x_low, x_high = to_axis(min(xs)), to_axis(max(xs))
    if x_high == x_low:
        x_low, x_high = x_low - 1, x_high + 1
    y_low, y_high = min(ys), max(ys)
    padding = (y_high - y_low) * 0.08 or 0.05
    y_low, y_high = y_low - padding, y_high + padding
    left, top = MARGIN["left"], MARGIN["top"]
    right, bottom = width - MARGIN["right"], height - MARGIN["bottom"]

    def point(x: float, y: float) -> tuple[float, float]:
        return (left + (to_axis(x) - x_low) / (x_high - x_low) * (right - left),
                bottom - (y - y_low) / (y_high - y_low) * (bottom - top))

    for y in _ticks(y_low, y_high):
        _, py = point(min(xs), y)
        draw.line([(left, py), (right, py)], fill=(230, 230, 230))
        draw.text((left - 6, py), _label(y), fill="black", font=small, anchor="rm")
    if log_x:
        x_ticks = _log_ticks(min(xs), max(xs)) or [min(xs), max(xs)]
    else:
        x_ticks = sorted(set(xs)) if len(set(xs)) <= 12 else _ticks(min(xs), max(xs))
    for x in x_ticks:
        px, _ = point(x, y_low)
        draw.line([(px, bottom), (px, bottom + 4)], fill="black")
        draw.text((px, bottom + 7), _label(x), fill="black", font=small, anchor="mt")
    draw.rectangle([left, top, right, bottom], outline="black")
    x_title = x_label + (" (log)" if log_x else "")
    draw.text(((left + right) / 2, height - 8), x_title, fill="black", font=normal, anchor="ms")
    y_text = Image.new("RGB", (int(draw.textlength(y_label, font=normal)) + 4, 18), "white")
    ImageDraw.Draw(y_text).text((2, 1), y_label, fill="black", font=normal)
    rotated = y_text.rotate(90, expand=True)
    image.paste(rotated, (6, int((top + bottom - rotated.height) / 2)))
    if title:
        draw.text((width / 2, 8), title, fill="black", font=normal, anchor="mt")
    for index, (name, (x_values, y_values)) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        points = [point(x, y) for x, y in zip(x_values, y_values) if np.isfinite(y)]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2)
        for px, py in points:
            draw.ellipse([px - 3, py - 3, px + 3, py + 3], fill=colour)
        legend_x = left + index * 150  # the legend runs along the top, above the plot
        draw.line([(legend_x, top - 12), (legend_x + 24, top - 12)], fill=colour, width=3)
        draw.text((legend_x + 30, top - 12), name, fill="black", font=small, anchor="lm")
    return image


def overlay(photo: Image.Image, grid: np.ndarray) -> Image.Image:
    """The photo with a heatmap grid in [0, 1] over it, drawn by the app's own heatmap code."""
    heat = Image.open(io.BytesIO(heatmap_png(grid, photo.size))).convert("RGBA")
    base = photo.convert("RGBA").resize(heat.size, Image.Resampling.BILINEAR)
    return Image.alpha_composite(base, heat).convert("RGB")


def side_by_side(pictures: Sequence[Image.Image | np.ndarray], *, height: int = 180,
                 gap: int = 6) -> Image.Image:
    """Pictures (PIL images or uint8 arrays (H, W, 3)) in one row, each scaled to `height` pixels."""
    images = [picture if isinstance(picture, Image.Image) else Image.fromarray(picture)
              for picture in pictures]
    scaled = [image.convert("RGB").resize((max(1, round(image.width * height / image.height)), height))
              for image in images]
    width = sum(image.width for image in scaled) + gap * (len(scaled) - 1)
    strip = Image.new("RGB", (width, height), "white")
    x = 0
    for image in scaled:
        strip.paste(image, (x, 0))
        x += image.width + gap
    return strip
