"""training/pipeline/models.py, train.py, evaluate.py, cv.py on tiny learnable tasks."""
import numpy as np
import pytest

from ml_models.networks import lite0
from ml_models.networks.student_cnn import build_student_cnn
from training.pipeline import cv, evaluate, models, train
from training.pipeline.data import make_dataset

pytestmark = pytest.mark.tensorflow


def halves(count: int, size: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Class 0: left half bright; class 1: right half bright; with noise."""
    rng = np.random.RandomState(seed)
    labels = np.arange(count) % 2
    images = rng.randint(0, 60, (count, size, size, 3))
    for image, label in zip(images, labels):
        image[:, (size // 2) * label:(size // 2) * (label + 1)] += 150
    return images.astype(np.uint8), labels


@pytest.fixture(scope="module")
def task():
    """Pictures at the contract's 224x224 input; the CNN works at 32x32 inside its graph."""
    return halves(160, size=224), halves(40, size=224, seed=1)


def test_student_cnn_follows_the_serving_contract():
    model = build_student_cnn(3, 64, dropout=0.2, l2=1e-4)
    outputs = model(np.zeros((2, 224, 224, 3), np.uint8))  # every version takes 224x224; it resizes inside
    assert outputs["probabilities"].shape == (2, 3)
    assert outputs["embedding"].shape == (2, 128)
    assert outputs["feature_maps"].shape == (2, 8, 8, 128)
    assert model.get_layer("logits").get_weights()[0].shape == (128, 3)


def test_student_cnn_learns_and_reports_every_epoch(task):
    (images, labels), (val_images, val_labels) = task
    model = build_student_cnn(2, 32)
    train.compile_model(model, 3e-3)
    history, seen = train.History(), []
    train.fit(model, make_dataset(images, labels, batch_size=16, shuffle=True),
              make_dataset(val_images, val_labels, batch_size=16), stage="train", epochs=4, patience=0,
              history=history, on_epoch=lambda stage, epoch, row: seen.append((stage, epoch)))
    assert seen == [("train", 1), ("train", 2), ("train", 3), ("train", 4)]
    assert set(history.rows[-1]) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    probabilities = model.predict(val_images, verbose=0)["probabilities"]
    report = evaluate.classification_metrics(val_labels, probabilities, ["cat", "dog"])
    assert report["accuracy"] > 0.9 and report["roc_auc"] > 0.95
    assert sum(map(sum, report["confusion_matrix"])) == 40


def test_training_stops_when_cancelled(task):
    (images, labels), _ = task
    model = build_student_cnn(2, 32)
    train.compile_model(model, 1e-3)
    history = train.History()
    with pytest.raises(train.Cancelled):
        train.fit(model, make_dataset(images, labels, batch_size=16), make_dataset(images, labels, batch_size=16),
                  stage="train", epochs=50, patience=0, history=history, should_stop=lambda: True)
    assert len(history.rows) <= 1


def test_transfer_model_starts_from_imagenet_with_a_frozen_backbone():
    model = models.build_transfer_model(2, dropout=0.2)
    reference = lite0.load_pretrained()
    np.testing.assert_array_equal(model.get_layer("block15_project_conv").get_weights()[0],
                                  reference.get_layer("block15_project_conv").get_weights()[0])
    assert model.get_layer("logits").get_weights()[0].shape == (1280, 2)
    assert [w.name for w in model.trainable_weights] == [w.name for w in model.get_layer("logits").weights]
    unfrozen = lite0.set_trainable_top(model, 0.2)
    assert model.get_layer("block15_project_conv").trainable and model.get_layer("head_conv").trainable
    assert not model.get_layer("block10_project_conv").trainable
    assert not model.get_layer("block15_project_bn").trainable  # BatchNorm stays frozen
    assert unfrozen == sum(1 for layer in model.layers if layer.trainable and layer.weights) - 1  # + the head


def test_evaluation_numbers_on_a_known_case():
    labels = np.array([0, 0, 1, 1])
    probabilities = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.3, 0.7]])
    report = evaluate.classification_metrics(labels, probabilities, ["cat", "dog"])
    assert report["accuracy"] == 0.75
    assert report["confusion_matrix"] == [[1, 1], [0, 2]]
    assert report["per_class"]["cat"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert report["roc_auc"] == 1.0
    assert evaluate.classification_metrics(np.array([0, 0]), probabilities[:2], ["cat", "dog"])["roc_auc"] is None


def curve(train: list[float], val: list[float], stage: str = "train", start: int = 1) -> list[dict]:
    return [{"stage": stage, "epoch": start + index, "loss": t, "val_loss": v}
            for index, (t, v) in enumerate(zip(train, val))]


def test_a_curve_that_overfits_is_flagged_with_its_gap():
    rows = curve([0.7, 0.5, 0.4, 0.32, 0.25, 0.2, 0.16, 0.13], [0.72, 0.58, 0.52, 0.54, 0.58, 0.63, 0.67, 0.72])
    curves = evaluate.read_curves(rows)
    assert curves["best_epoch"] == curves["kept_epoch"] == 3
    found = curves["overfitting"]
    assert (found["stage"], found["from_epoch"], found["to_epoch"]) == ("train", 3, 8)
    assert found["train_loss_change"] < 0 < found["val_loss_change"]
    assert found["gap_at_start"] == pytest.approx(0.12) and found["gap"] == pytest.approx(0.59)


@pytest.mark.parametrize("train, val", [
    # underfitting: both losses high, flat and noisy
    ([0.69, 0.69, 0.68, 0.69, 0.69, 0.68, 0.69, 0.69], [0.70, 0.69, 0.71, 0.69, 0.70, 0.72, 0.69, 0.70]),
    # validation loss noisy around a flat trend after an early lucky dip, training loss falling
    ([0.6, 0.5, 0.45, 0.42, 0.40, 0.38, 0.37, 0.36], [0.6, 0.45, 0.6, 0.58, 0.62, 0.6, 0.61, 0.59]),
    # both falling all the way
    ([0.7, 0.5, 0.4, 0.3, 0.25, 0.2], [0.72, 0.55, 0.45, 0.38, 0.33, 0.3]),
    # early stopping after a noisy bump (patience 3)
    ([0.7, 0.6, 0.55, 0.52, 0.5, 0.49], [0.7, 0.6, 0.55, 0.62, 0.56, 0.58]),
    # the student CNN of docs/benchmarks.md: noisy and underfitting, stopped early at epoch 8
    ([0.7315, 0.6656, 0.6552, 0.6485, 0.6493, 0.6384, 0.6140, 0.6167],
     [0.7767, 0.6726, 0.6398, 0.8004, 0.7510, 0.6492, 0.6472, 0.8607]),
], ids=["underfitting", "noisy-flat", "monotone", "early-stop-after-a-bump", "benchmark-student"])
def test_curves_that_do_not_overfit_are_not_flagged(train, val):
    curves = evaluate.read_curves(curve(train, val))
    assert curves["overfitting"] is None
    assert curves["kept_epoch"] == curves["best_epoch"] == 1 + val.index(min(val))


def test_pure_noise_is_rarely_called_overfitting():
    """Validation loss flat plus noise while training loss falls: the lowest point is chosen by the noise,
    so the trend after it must not count it; then a 95 % test flags at most about 5 % of such curves."""
    rng = np.random.default_rng(0)
    flagged = 0
    for _ in range(500):
        rows = curve(list(np.linspace(0.7, 0.4, 12)), list(0.6 + rng.normal(0, 0.05, 12)))
        flagged += evaluate.read_curves(rows)["overfitting"] is not None
    assert flagged / 500 <= 0.06


def test_rising_validation_loss_with_rising_training_loss_is_not_overfitting():
    assert evaluate.read_curves(curve([0.5, 0.4, 0.45, 0.5, 0.55], [0.6, 0.5, 0.56, 0.62, 0.7]))["overfitting"] is None


def test_each_stage_is_read_on_its_own_and_the_last_stage_keeps_the_weights():
    head = curve([0.3, 0.1, 0.07, 0.06], [0.11, 0.08, 0.069, 0.0689], stage="head")
    fine_tune = curve([0.05, 0.045, 0.04], [0.075, 0.072, 0.073], stage="fine_tune", start=5)
    curves = evaluate.read_curves(head + fine_tune)
    # fine-tuning never beat the head's best, but it started from the head's weights and kept its own best
    assert (curves["best_epoch"], curves["kept_epoch"], curves["kept_stage"]) == (4, 6, "fine_tune")
    assert curves["overfitting"] is None  # the jump at the stage boundary is not a trend
    overfit_head = curve([0.6, 0.4, 0.3, 0.22, 0.15], [0.5, 0.4, 0.45, 0.52, 0.6], stage="head")
    found = evaluate.read_curves(overfit_head + fine_tune)["overfitting"]
    assert (found["stage"], found["from_epoch"], found["to_epoch"]) == ("head", 2, 5)


def test_without_early_stopping_the_last_epoch_is_kept():
    rows = curve([0.7, 0.5, 0.4, 0.3], [0.7, 0.5, 0.55, 0.6])
    assert evaluate.read_curves(rows, restores_best=False)["kept_epoch"] == 4
    assert evaluate.read_curves([])["kept_epoch"] is None


def test_the_probe_has_the_keras_heads_l2_penalty():
    """At the probe's solution, the Keras objective of a softmax head (mean cross-entropy + l2 · ||W||²)
    has zero gradient: C = 1/(l2 · n) matches Keras' L2 for two classes, 1/(2 · l2 · n) for three."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.RandomState(0)
    for classes in (2, 3):
        labels = np.arange(90) % classes
        embeddings = rng.normal(size=(90, 5)) + labels[:, None] * 0.8
        l2 = 0.01
        probe = LogisticRegression(C=cv.probe_c(l2, count=90, classes=classes), tol=1e-10, max_iter=10_000)
        probe.fit(embeddings, labels)
        if classes == 2:  # one vector for the second class; the softmax head's columns are ∓ half of it
            weights = np.stack([-probe.coef_[0] / 2, probe.coef_[0] / 2], axis=1)
            bias = np.array([-probe.intercept_[0] / 2, probe.intercept_[0] / 2])
        else:
            weights, bias = probe.coef_.T, probe.intercept_
        logits = embeddings @ weights + bias
        probabilities = np.exp(logits - logits.max(1, keepdims=True))
        probabilities /= probabilities.sum(1, keepdims=True)
        gradient = embeddings.T @ (probabilities - np.eye(classes)[labels]) / len(labels) + 2 * l2 * weights
        assert np.abs(gradient).max() < 1e-6, classes
    assert cv.probe_c(0.0, count=90, classes=2) == cv.PROBE_DEFAULT_C  # no L2: scikit-learn's default


def test_cross_validation_of_a_linear_probe_on_embeddings():
    rng = np.random.RandomState(0)
    labels = np.arange(100) % 2
    embeddings = rng.normal(size=(100, 16)) + labels[:, None] * 2.0
    report = cv.cross_validate_probe(embeddings, labels, folds=5, l2=1e-3)
    assert len(report["accuracy_per_fold"]) == 5 and report["accuracy_mean"] > 0.9
    assert report["method"] == "linear_probe" and report["l2"] == 1e-3
    assert report["c_per_fold"] == [pytest.approx(1 / (1e-3 * 80))] * 5  # 80 training embeddings per fold
    noise = cv.cross_validate_probe(rng.normal(size=(100, 16)), labels, folds=5)
    assert noise["accuracy_mean"] < 0.75  # no signal, no accuracy: the folds are honest
    assert report["accuracy_std"] == pytest.approx(np.std(report["accuracy_per_fold"]))


def test_cross_validation_retrains_the_student_cnn_on_every_fold_with_the_run_settings():
    from training.pipeline.config import preset

    images, labels = halves(24, size=224)
    config = preset("smoke", image_size=32, epochs=2, patience=1, cv_folds=2, dropout=0.1, l2=1e-4)
    stops = []
    report = cv.cross_validate_student_cnn(config, images, labels, should_stop=lambda: stops.append(1) and False)
    assert report["method"] == "student_cnn" and report["folds"] == 2
    assert len(report["accuracy_per_fold"]) == 2 and all(0 <= a <= 1 for a in report["accuracy_per_fold"])
    assert all(1 <= epochs <= 2 for epochs in report["epochs_per_fold"]) and len(report["epochs_per_fold"]) == 2
    assert report["settings"] == {"dropout": 0.1, "l2": 1e-4, "augmentation": True, "epochs": 2, "patience": 1}
    assert stops  # the folds' training checks for a cancel, like the run's fit
    with pytest.raises(train.Cancelled):
        cv.cross_validate_student_cnn(config, images, labels, should_stop=lambda: True)
