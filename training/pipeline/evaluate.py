"""Metrics on a split (scikit-learn), and reading the learning curves."""
from __future__ import annotations

import numpy as np
from sklearn import metrics


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray, class_names) -> dict:
    """Accuracy, per-class precision/recall/F1/support, confusion matrix (rows = truth) and ROC AUC."""
    predictions = probabilities.argmax(axis=1)
    indices = list(range(len(class_names)))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        labels, predictions, labels=indices, zero_division=0
    )
    return {
        "accuracy": float(metrics.accuracy_score(labels, predictions)),
        "per_class": {
            name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for name, p, r, f, s in zip(class_names, precision, recall, f1, support)
        },
        "confusion_matrix": metrics.confusion_matrix(labels, predictions, labels=indices).tolist(),
        "roc_auc": _roc_auc(labels, probabilities),
        "count": int(len(labels)),
    }


def _roc_auc(labels: np.ndarray, probabilities: np.ndarray) -> float | None:
    """Binary: AUC of the second class's probability; several classes: one-vs-rest macro average.
    None when a class is missing from the split (AUC is undefined)."""
    if len(np.unique(labels)) < probabilities.shape[1]:
        return None
    if probabilities.shape[1] == 2:
        return float(metrics.roc_auc_score(labels, probabilities[:, 1]))
    return float(metrics.roc_auc_score(labels, probabilities, multi_class="ovr"))


def overfitting_epoch(rows: list[dict]) -> int | None:
    """The epoch after which validation loss only rose: where the model started to overfit.

    None when the lowest validation loss is at the last epoch (still improving) or is missing.
    """
    losses = [(row["epoch"], row["val_loss"]) for row in rows if "val_loss" in row]
    if len(losses) < 2:
        return None
    best_epoch, _ = min(losses, key=lambda pair: pair[1])
    return best_epoch if best_epoch < losses[-1][0] else None
