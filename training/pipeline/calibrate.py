"""The unusual threshold of a trained version, chosen on pictures training never used (numpy).

The unusual score comes from the ImageNet outputs of the served graph, which training does not
change. Its threshold is chosen, as for the pretrained version, by maximum balanced accuracy
between cats/dogs and pictures that are neither, here on the class's own photos:

- cats and dogs from the test split (never used to fit or to stop training) and
- the class's pictures settled as "neither" (never used by training at all),

each cut in two by the last hex digit of their sha256 (0-7 calibrates, 8-f reports; the test split
itself holds the lowest hashes, so its leading digits would not cut it), so the threshold is
reported on pictures it was not chosen on. With too few "neither" pictures the version keeps the pretrained version's
threshold, and its signature says so.
"""
from __future__ import annotations

from datetime import date

import numpy as np

from ml_models.core import answer, calibration

MIN_OTHERS = 10  # "neither" pictures in the calibration half needed to choose a threshold of our own
LAST_DIGIT = -1


def unusual_scores(outputs: dict[str, np.ndarray], signature: dict) -> np.ndarray:
    return np.array([answer.unusual_score(row, signature) for row in answer.rows(outputs)])


def calibrate_unusual(*, pet_scores: np.ndarray, pet_keys: list[str], other_scores: np.ndarray,
                      other_keys: list[str], inherited: dict) -> tuple[dict, dict]:
    """(unusual rule for the signature, report for the metrics) from scores of test-split cats and dogs
    and of the class's "neither" pictures, with their sha256 keys; `inherited` is the pretrained rule."""
    pet_cal = np.array([calibration.in_calibration_split(key, position=LAST_DIGIT) for key in pet_keys], dtype=bool)
    other_cal = np.array([calibration.in_calibration_split(key, position=LAST_DIGIT) for key in other_keys], dtype=bool)
    counts = {"calibration": {"pets": int(pet_cal.sum()), "others": int(other_cal.sum())},
              "held_out": {"pets": int((~pet_cal).sum()), "others": int((~other_cal).sum())}}
    if counts["calibration"]["others"] < MIN_OTHERS or counts["calibration"]["pets"] < 1:
        rule = {**inherited, "calibration": {**inherited["calibration"], "inherited": True, "reason": (
            f"the class has {counts['calibration']['others']} pictures labelled neither in the calibration half "
            f"(sha256 ending in 0-7); {MIN_OTHERS} are needed to choose a threshold of its own")}}
        report = {"threshold": rule["threshold"], "inherited": True, "counts": counts}
        if counts["held_out"]["others"] and counts["held_out"]["pets"]:
            report["held_out"] = _metrics(pet_scores[~pet_cal], other_scores[~other_cal], rule["threshold"])
        return rule, report
    scores = np.concatenate([pet_scores[pet_cal], other_scores[other_cal]])
    positive = np.concatenate([np.zeros(pet_cal.sum(), bool), np.ones(other_cal.sum(), bool)])
    threshold = calibration.choose_threshold(scores, positive)
    rule = {**inherited, "threshold": threshold, "calibration": {
        "method": "maximum balanced accuracy (cats and dogs against pictures that are neither)",
        "split": (f"the class's photos whose sha256 ends in 0-7: {counts['calibration']['pets']} cats and dogs "
                  f"of the test split, {counts['calibration']['others']} pictures labelled neither"),
        "date": date.today().isoformat(),
    }}
    report = {"threshold": threshold, "inherited": False, "counts": counts,
              "calibration": _metrics(pet_scores[pet_cal], other_scores[other_cal], threshold)}
    if counts["held_out"]["others"] and counts["held_out"]["pets"]:
        report["held_out"] = _metrics(pet_scores[~pet_cal], other_scores[~other_cal], threshold)
        rule["calibration"]["held_out"] = (
            f"sha256 ending in 8-f: {report['held_out']['false_flags']:.1%} of {counts['held_out']['pets']} cats and dogs "
            f"flagged, {report['held_out']['caught']:.1%} of {counts['held_out']['others']} others caught")
    return rule, report


def _metrics(pet_scores: np.ndarray, other_scores: np.ndarray, threshold: float) -> dict:
    scores = np.concatenate([pet_scores, other_scores])
    positive = np.concatenate([np.zeros(len(pet_scores), bool), np.ones(len(other_scores), bool)])
    return calibration.flag_metrics(scores, positive, threshold)
