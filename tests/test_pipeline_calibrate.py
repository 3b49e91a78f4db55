"""training/pipeline/calibrate.py: a trained version's unusual threshold, chosen where training never looked."""
import hashlib

import numpy as np
import pytest

from ml_models.networks.pretrained import default_unusual_rule
from training.pipeline.calibrate import MIN_OTHERS, calibrate_unusual


def keys(prefix: str, count: int) -> list[str]:
    return [hashlib.sha256(f"{prefix}{i}".encode()).hexdigest() for i in range(count)]


def test_threshold_is_chosen_on_the_calibration_half_and_reported_on_the_other():
    rng = np.random.default_rng(0)
    pets, others = keys("pet", 60), keys("other", 60)
    pet_scores = rng.uniform(0.0, 0.4, 60)  # cats and dogs: little of their ImageNet mass is elsewhere
    other_scores = rng.uniform(0.6, 1.0, 60)
    rule, report = calibrate_unusual(pet_scores=pet_scores, pet_keys=pets, other_scores=other_scores,
                                     other_keys=others, inherited=default_unusual_rule())
    in_half = np.array([key[-1] in "01234567" for key in others])
    assert rule["threshold"] == pytest.approx(other_scores[in_half].min()) and not report["inherited"]
    assert rule["output"] == "imagenet_probabilities" and rule["classes"] == default_unusual_rule()["classes"]
    calibration_half = [key for key in others if key[-1] in "01234567"]
    assert report["counts"]["calibration"]["others"] == len(calibration_half)
    assert report["held_out"]["balanced_accuracy"] == 1.0 and report["held_out"]["false_flags"] == 0.0
    assert "ends in 0-7" in rule["calibration"]["split"] and "8-f" in rule["calibration"]["held_out"]


def test_the_threshold_does_not_see_the_held_out_half():
    pets, others = keys("p", 40), keys("o", 40)
    held = np.array([key[-1] not in "01234567" for key in others])
    other_scores = np.where(held, 0.0, 0.9)  # held-out "neither" pictures that look like pets
    rule, report = calibrate_unusual(pet_scores=np.full(40, 0.1), pet_keys=pets, other_scores=other_scores,
                                     other_keys=others, inherited=default_unusual_rule())
    assert rule["threshold"] == pytest.approx(0.9)  # chosen from the calibration half only
    assert report["held_out"]["caught"] == 0.0  # and honestly reported as missing them all


def test_too_few_neither_pictures_keep_the_pretrained_threshold_and_say_why():
    others = [key for key in keys("o", 200) if key[-1] in "01234567"][:MIN_OTHERS - 1]
    rule, report = calibrate_unusual(pet_scores=np.full(20, 0.1), pet_keys=keys("p", 20),
                                     other_scores=np.full(len(others), 0.95), other_keys=others,
                                     inherited=default_unusual_rule())
    assert rule["threshold"] == default_unusual_rule()["threshold"] and report["inherited"]
    assert rule["calibration"]["inherited"] and f"{MIN_OTHERS - 1} pictures" in rule["calibration"]["reason"]
