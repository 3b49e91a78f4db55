"""ml_models/core/cam.py: Class Activation Maps from class maps, and their overlay."""
import io

import numpy as np
from PIL import Image

from ml_models.core.cam import class_activation_map, colorize, heatmap_png


def test_cam_of_a_group_weighs_classes_by_probability_and_cuts_negative_evidence():
    maps = np.zeros((7, 7, 3), dtype=np.float32)
    maps[0, 0, 0] = maps[6, 6, 1] = 1.0
    maps[3, 3, 0] = -2.0
    grid = class_activation_map(maps, np.array([0.8, 0.2, 0.0]), [0, 1])
    assert grid[0, 0] == 1.0 and abs(grid[6, 6] - 0.25) < 1e-6 and grid[3, 3] == 0.0


def test_colorize_runs_from_cool_to_warm():
    low, high = colorize(np.array([0.0, 1.0]))
    assert low[2] > low[0] and high[0] > high[2]


def test_heatmap_png_keeps_aspect_ratio_and_is_transparent_where_nothing_was_seen():
    grid = np.zeros((7, 7), dtype=np.float32)
    grid[3, 3] = 1.0
    overlay = Image.open(io.BytesIO(heatmap_png(grid, (640, 480))))
    assert overlay.mode == "RGBA" and overlay.size == (320, 240)
    alpha = np.asarray(overlay)[..., 3]
    assert alpha[0, 0] == 0 and alpha[120, 160] > 150
