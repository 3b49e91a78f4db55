"""classifier/explain.py: Class Activation Maps and their overlay."""
import io

import numpy as np
from PIL import Image

from classifier.explain import class_activation_map, colorize, heatmap_png


def test_cam_points_at_the_cell_holding_the_class_evidence():
    maps = np.zeros((7, 7, 4), dtype=np.float32)
    maps[2, 5, 1] = 3.0  # channel 1, which class 0 relies on, fires at row 2, column 5
    maps[6, 0, 3] = 3.0  # channel 3 counts against class 0
    kernel = np.zeros((4, 2), dtype=np.float32)
    kernel[1, 0], kernel[3, 0] = 1.0, -1.0
    grid = class_activation_map(maps, kernel, np.array([0.9, 0.1]), [0])
    assert grid.shape == (7, 7)
    assert np.unravel_index(grid.argmax(), grid.shape) == (2, 5)
    assert grid.max() == 1.0 and grid[6, 0] == 0.0  # negative evidence is cut


def test_cam_of_a_group_weighs_classes_by_probability():
    maps = np.zeros((7, 7, 2), dtype=np.float32)
    maps[0, 0, 0] = maps[6, 6, 1] = 1.0
    kernel = np.eye(2, dtype=np.float32)
    grid = class_activation_map(maps, kernel, np.array([0.8, 0.2]), [0, 1])
    assert grid[0, 0] == 1.0 and abs(grid[6, 6] - 0.25) < 1e-6


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
