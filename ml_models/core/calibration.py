"""Choosing and checking the unusual threshold (numpy): the same code for `make bench` and for training.

Pictures are split by the sha256 of their bytes: files starting with 0-7 calibrate, 8-f are held out,
so a threshold is never reported on the pictures it was chosen on.
"""
from __future__ import annotations

import numpy as np

CALIBRATION_DIGITS = "01234567"  # first hex digit of sha256: calibration split; 8-f is held out


def in_calibration_split(sha256: str, *, position: int = 0) -> bool:
    """Whether the hex digit at `position` of the file's sha256 is 0-7. Training picks its test split by
    the leading digits (the lowest hashes), so within that split the calibration cut uses the last digit."""
    return sha256[position] in CALIBRATION_DIGITS


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve, rank-based (Mann-Whitney U, ties get their average rank)."""
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2)[inverse]  # 1-based average ranks
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def balanced_accuracy(flagged: np.ndarray, positive: np.ndarray) -> float:
    """Mean of the catch rate on positives and the pass rate on negatives."""
    return float((flagged[positive].mean() + (~flagged[~positive]).mean()) / 2)


def choose_threshold(scores: np.ndarray, positive: np.ndarray) -> float:
    """The unique score t maximising balanced accuracy of "unusual if score >= t" (lowest t on ties).

    `positive` marks the pictures that are neither cats nor dogs.
    """
    candidates = np.unique(scores)
    flagged = scores[None, :] >= candidates[:, None]  # (thresholds, pictures)
    tpr = flagged[:, positive].mean(axis=1)
    tnr = (~flagged[:, ~positive]).mean(axis=1)
    return float(candidates[int(np.argmax((tpr + tnr) / 2))])


def flag_metrics(scores: np.ndarray, positive: np.ndarray, threshold: float) -> dict[str, float]:
    """How "unusual if score >= threshold" does: rates as fractions in [0, 1]."""
    flagged = scores >= threshold
    return {"threshold": float(threshold), "balanced_accuracy": balanced_accuracy(flagged, positive),
            "false_flags": float(flagged[~positive].mean()), "caught": float(flagged[positive].mean())}
