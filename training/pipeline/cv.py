"""Stratified k-fold cross-validation (scikit-learn)."""
from __future__ import annotations

from typing import Callable

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold


def cross_validate(fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray], labels: np.ndarray, *,
                   folds: int, seed: int = 0) -> dict:
    """Accuracy per fold and mean ± standard deviation.

    `fit_predict(train_indices, test_indices)` trains a fresh model on the first and returns its
    predicted class for each of the second.
    """
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    accuracies = []
    for train_indices, test_indices in splitter.split(np.zeros(len(labels)), labels):
        predictions = fit_predict(train_indices, test_indices)
        accuracies.append(float(np.mean(predictions == labels[test_indices])))
    return {"folds": folds, "accuracy_per_fold": accuracies,
            "accuracy_mean": float(np.mean(accuracies)), "accuracy_std": float(np.std(accuracies))}


def cross_validate_head(embeddings: np.ndarray, labels: np.ndarray, *, folds: int, seed: int = 0,
                        l2: float = 1.0) -> dict:
    """Cross-validate a linear head on frozen-backbone embeddings: seconds instead of hours.

    A logistic regression on the embeddings is the same function as the dense softmax head on the
    frozen backbone, so its folds estimate how well that head generalises.
    """
    def fit_predict(train_indices, test_indices):
        head = LogisticRegression(C=1.0 / l2, max_iter=2000)
        head.fit(embeddings[train_indices], labels[train_indices])
        return head.predict(embeddings[test_indices])

    return {**cross_validate(fit_predict, labels, folds=folds, seed=seed),
            "method": "head_on_embeddings", "what": "logistic-regression head on frozen EfficientNet-Lite0 embeddings"}
