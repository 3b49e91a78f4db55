"""Stratified k-fold cross-validation (scikit-learn): a linear probe on frozen embeddings, or the
student CNN itself retrained on every fold."""
from __future__ import annotations

from typing import Callable

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split

PROBE_DEFAULT_C = 1.0  # scikit-learn's default, kept when the run has no L2 (see probe_c)


def cross_validate(fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray], labels: np.ndarray, *,
                   folds: int, seed: int = 0) -> dict:
    """Accuracy (0-1) per fold and mean ± standard deviation.

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


def probe_c(l2: float, *, count: int, classes: int) -> float:
    """scikit-learn's C for a logistic regression with the same L2 penalty as the Keras dense head.

    Keras minimises mean cross-entropy + l2 · ||W||² (W: one weight column per class, bias not
    penalised). scikit-learn minimises mean log-loss + ||w||² / (2 · C · n) over the n training
    images (intercept not penalised). With three or more classes both have a column per class, so
    C = 1 / (2 · l2 · n). With two, scikit-learn keeps one vector w = W₁ − W₀; the penalty makes
    W₀ = −W₁ at the optimum, so ||W||² = ||w||² / 2 and C = 1 / (l2 · n). Without L2 the unpenalised
    problem has no finite solution on separable embeddings, so the default C = 1 (a weak L2) is kept.
    """
    if not l2:
        return PROBE_DEFAULT_C
    return 1.0 / (l2 * count * (1 if classes == 2 else 2))


def cross_validate_probe(embeddings: np.ndarray, labels: np.ndarray, *, folds: int, seed: int = 0,
                         l2: float = 0.0) -> dict:
    """Cross-validate a linear probe: a logistic regression on frozen-backbone embeddings (seconds).

    It is the same kind of model as the dense head on the frozen backbone, with the run's L2; dropout
    and augmentation do not apply (each photo has one fixed embedding). It estimates how well a new
    head on the pretrained backbone generalises, not the fine-tuned model the run produces.
    """
    classes = len(np.unique(labels))
    c_per_fold = []

    def fit_predict(train_indices, test_indices):
        c_per_fold.append(probe_c(l2, count=len(train_indices), classes=classes))
        probe = LogisticRegression(C=c_per_fold[-1], max_iter=2000)
        probe.fit(embeddings[train_indices], labels[train_indices])
        return probe.predict(embeddings[test_indices])

    return {**cross_validate(fit_predict, labels, folds=folds, seed=seed), "method": "linear_probe",
            "l2": l2, "c_per_fold": c_per_fold,
            "what": "a linear probe: logistic regression on the frozen ImageNet EfficientNet-Lite0 embeddings "
                    "(the run's L2; dropout and augmentation do not apply), not the fine-tuned model"}


def cross_validate_student_cnn(config, images: np.ndarray, labels: np.ndarray, *, should_stop=None) -> dict:
    """Real k-fold cross-validation of the student CNN: a fresh CNN per fold with the run's settings.

    Each fold trains on the other folds with the run's dropout, L2, augmentation, learning rate and
    epochs; with early stopping (patience > 0) a stratified `validation_fraction` of those is held back
    to stop on, as in the run. `images` are uint8 (N, 224, 224, 3). Imports TensorFlow (worker and
    CLI only); raises train.Cancelled when `should_stop()` turns true.
    """
    from training.pipeline import models, train
    from training.pipeline.augment import build_augmentation
    from training.pipeline.data import make_dataset

    epochs_per_fold = []

    def fit_predict(train_indices, test_indices):
        fit_indices, stop_indices = train_indices, None
        if config.patience:
            fit_indices, stop_indices = train_test_split(
                train_indices, test_size=config.validation_fraction, stratify=labels[train_indices],
                random_state=config.seed)
        model = models.build_model(config)
        train.compile_model(model, config.learning_rate)
        augmentation = build_augmentation(config.augment, seed=config.seed)
        fit_data = make_dataset(images[fit_indices], labels[fit_indices], batch_size=config.batch_size,
                                shuffle=True, seed=config.seed, augmentation=augmentation)
        stop_data = None if stop_indices is None else make_dataset(images[stop_indices], labels[stop_indices],
                                                                   batch_size=config.batch_size)
        history = train.History()
        train.fit(model, fit_data, stop_data, stage="cross_validation", epochs=config.epochs,
                  patience=config.patience, history=history, should_stop=should_stop)
        epochs_per_fold.append(len(history.rows))
        return model.predict(images[test_indices], batch_size=config.batch_size, verbose=0)["probabilities"].argmax(1)

    return {**cross_validate(fit_predict, labels, folds=config.cv_folds, seed=config.seed), "method": "student_cnn",
            "epochs_per_fold": epochs_per_fold,
            "settings": {"dropout": config.dropout, "l2": config.l2, "augmentation": config.augment.enabled,
                         "epochs": config.epochs, "patience": config.patience},
            "what": "the student CNN itself, trained from scratch on each fold with the run's settings"}
