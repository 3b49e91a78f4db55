"""ml_models/core/cam.py: the evidence map of a decision from class maps, its two scales, and its overlay."""
import io

import numpy as np
import pytest
from PIL import Image

from ml_models.core.cam import (
    FIXED_SCALE_LOGITS,
    colorize,
    evidence_map,
    fixed_scale,
    heatmap_png,
    per_photo_scale,
)


def softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


def test_two_class_map_is_the_difference_of_the_class_maps_not_the_winners_own_map():
    """Both classes see fur at (0, 0); only the cat class sees whiskers at (6, 6): the decision rests on (6, 6)."""
    maps = np.zeros((7, 7, 2), np.float32)
    maps[0, 0] = [5.0, 5.0]  # cat, dog: the same evidence for both, so none for cat against dog
    maps[6, 6, 0] = 3.0
    maps[3, 3, 1] = 1.0  # a little for dog only
    bias = np.array([0.2, -0.1])
    logits = maps.mean(axis=(0, 1)) + bias
    evidence = evidence_map(maps, softmax(logits), towards=[0], against=[1])
    assert np.argmax(maps[..., 0]) == 0  # the winner's own map would put its maximum at (0, 0)...
    assert np.unravel_index(evidence.argmax(), evidence.shape) == (6, 6)  # ...the decision's map does not
    assert evidence[0, 0] == 0.0 and evidence[3, 3] == pytest.approx(-1 / 49)
    # summed over the cells: the logit difference without the biases, i.e. the log-odds of the answer
    assert evidence.sum() == pytest.approx(logits[0] - logits[1] - (bias[0] - bias[1]), abs=1e-6)
    assert np.log(softmax(logits)[0] / softmax(logits)[1]) == pytest.approx(logits[0] - logits[1])


def test_a_dog_answer_shows_the_same_map_with_the_sign_flipped():
    maps = np.random.default_rng(0).normal(size=(7, 7, 2)).astype(np.float32)
    probabilities = np.array([0.3, 0.7])
    assert np.allclose(evidence_map(maps, probabilities, [1], [0]), -evidence_map(maps, probabilities, [0], [1]))


def test_group_map_is_how_much_each_cell_moves_the_log_odds_of_the_groups():
    """Cat and dog as groups of classes (ImageNet): a cell's value is the derivative of log(P(cat) / P(dog))
    when that cell's features are strengthened, per cell (checked by finite differences)."""
    rng = np.random.default_rng(1)
    maps = rng.normal(size=(3, 3, 6))
    bias = rng.normal(size=6)
    cat, dog = [0, 1, 2], [3, 4]  # class 5 is neither

    def log_odds(class_maps):
        p = softmax(class_maps.mean(axis=(0, 1)) + bias)
        return np.log(p[cat].sum() / p[dog].sum())

    evidence = evidence_map(maps, softmax(maps.mean(axis=(0, 1)) + bias), cat, dog)
    step = 1e-5
    for h, w in [(0, 0), (1, 2), (2, 1)]:
        stronger = maps.copy()
        stronger[h, w] *= 1 + step  # that cell's feature vector scaled: all its class maps scale with it
        assert evidence[h, w] == pytest.approx((log_odds(stronger) - log_odds(maps)) / step, rel=1e-3, abs=1e-6)


def test_a_group_class_with_no_probability_adds_nothing():
    maps = np.zeros((2, 2, 3))
    maps[0, 0, 1] = 9.0  # a cat breed the network gives no probability to
    maps[1, 1, 0] = 1.0
    evidence = evidence_map(maps, np.array([0.5, 0.0, 0.5]), [0, 1], [2])
    assert evidence[0, 0] == 0.0 and evidence[1, 1] == pytest.approx(0.25)


def test_fixed_scale_is_the_same_for_every_photo_so_a_weak_map_stays_weak():
    strong = np.zeros((7, 7), np.float32)
    strong[2, 2], strong[4, 4], strong[0, 0] = 0.9, 0.35, -0.5
    weak = strong / 10  # the same pattern, a tenth of the evidence
    assert np.allclose(per_photo_scale(weak), per_photo_scale(strong))  # per photo: they look the same
    assert per_photo_scale(weak).max() == 1.0
    assert fixed_scale(strong)[2, 2] == 1.0  # past the reference: full colour
    assert fixed_scale(strong)[4, 4] == pytest.approx(0.35 / FIXED_SCALE_LOGITS)
    assert fixed_scale(weak).max() == pytest.approx(0.09 / FIXED_SCALE_LOGITS)  # faint
    assert fixed_scale(strong)[0, 0] == per_photo_scale(strong)[0, 0] == 0.0  # evidence against is not drawn


def test_colorize_runs_from_cool_to_warm():
    low, high = colorize(np.array([0.0, 1.0]))
    assert low[2] > low[0] and high[0] > high[2]


def test_heatmap_png_keeps_aspect_ratio_and_is_transparent_where_there_is_no_evidence():
    grid = np.zeros((7, 7), dtype=np.float32)
    grid[3, 3] = 1.0
    overlay = Image.open(io.BytesIO(heatmap_png(grid, (640, 480))))
    assert overlay.mode == "RGBA" and overlay.size == (320, 240)
    alpha = np.asarray(overlay)[..., 3]
    assert alpha[0, 0] == 0 and alpha[120, 160] > 150
