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


# Reading the learning curves. Written by hand: no maintained library reads Keras histories this way.
TREND_MIN_EPOCHS = 3  # epochs after the lowest validation loss: two are a single step, which noise alone makes
TREND_CONFIDENCE = 0.95  # one-sided t-test on the least-squares slope of validation loss
TREND_MIN_RISE = 0.05  # and the trend must rise by at least 5 % of the lowest validation loss: not a tiny drift


def read_curves(rows: list[dict], *, restores_best: bool = True) -> dict:
    """What the per-epoch rows say: which epoch's weights were kept, and whether the model overfits.

    `restores_best`: early stopping was on (patience > 0), so each stage ends with the weights of its
    lowest validation loss (tf_keras EarlyStopping with restore_best_weights); otherwise the last epoch's.
    A later stage (fine-tuning) starts from the weights an earlier one kept, so the model keeps the last
    stage's choice. Overfitting is read within each stage (the learning rate and the trainable weights
    change between stages): from the stage's lowest validation loss to its end, validation loss trends
    up (least-squares slope, significant and not negligible) while training loss still trends down.
    Losses are the mean cross-entropy per image (no unit); epochs are numbered across stages from 1.
    """
    rows = [row for row in rows if row.get("val_loss") is not None and row.get("loss") is not None]
    if not rows:
        return {"best_epoch": None, "kept_epoch": None, "kept_stage": None, "overfitting": None}
    best = min(rows, key=lambda row: row["val_loss"])
    stages = _stages(rows)
    last = stages[-1]
    kept = min(last, key=lambda row: row["val_loss"]) if restores_best else last[-1]
    overfitting = next(filter(None, (_overfitting(stage) for stage in stages)), None)
    return {"best_epoch": best["epoch"], "best_val_loss": best["val_loss"], "kept_epoch": kept["epoch"],
            "kept_stage": kept.get("stage"), "kept_val_loss": kept["val_loss"], "overfitting": overfitting}


def _stages(rows: list[dict]) -> list[list[dict]]:
    """Consecutive rows of the same stage, in order."""
    groups: list[list[dict]] = []
    for row in rows:
        if groups and groups[-1][-1].get("stage") == row.get("stage"):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def _overfitting(rows: list[dict]) -> dict | None:
    """Overfitting in one stage's rows, or None: see read_curves."""
    lowest = min(range(len(rows)), key=lambda index: rows[index]["val_loss"])
    tail = rows[lowest:]
    # The lowest point was picked by the noise: a trend fitted from it rises on pure noise about three
    # times as often as the test allows (measured: 10-16 % instead of 5 %), so the trend is fitted on
    # the epochs after it.
    after = tail[1:]
    if len(after) < TREND_MIN_EPOCHS:
        return None
    epochs = np.array([row["epoch"] for row in after], dtype=float)
    val_slope, val_significant = _slope(epochs, np.array([row["val_loss"] for row in after]))
    train_slope, _ = _slope(epochs, np.array([row["loss"] for row in after]))
    span = epochs[-1] - tail[0]["epoch"]
    if not (val_significant and train_slope < 0 and val_slope * span >= TREND_MIN_RISE * tail[0]["val_loss"]):
        return None
    return {"stage": tail[0].get("stage"), "from_epoch": tail[0]["epoch"], "to_epoch": tail[-1]["epoch"],
            # changes along the fitted trends (the curves are noisy); gaps are the values on the chart
            "train_loss_change": float(train_slope * span), "val_loss_change": float(val_slope * span),
            "gap_at_start": float(tail[0]["val_loss"] - tail[0]["loss"]),
            "gap": float(tail[-1]["val_loss"] - tail[-1]["loss"])}


def _slope(x: np.ndarray, y: np.ndarray) -> tuple[float, bool]:
    """Least-squares slope of y over x, and whether it is above 0 at TREND_CONFIDENCE (one-sided t-test)."""
    from scipy import stats

    fit = stats.linregress(x, y)
    if fit.stderr == 0 or not np.isfinite(fit.stderr):  # points exactly on a line
        return float(fit.slope), bool(fit.slope > 0)
    critical = stats.t.ppf(TREND_CONFIDENCE, len(x) - 2)
    return float(fit.slope), bool(fit.slope / fit.stderr > critical)

