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


def test_overfitting_epoch_is_where_validation_loss_turns_up():
    rows = [{"epoch": e, "val_loss": v} for e, v in enumerate([0.9, 0.6, 0.5, 0.55, 0.7], start=1)]
    assert evaluate.overfitting_epoch(rows) == 3
    assert evaluate.overfitting_epoch(rows[:3]) is None


def test_cross_validation_of_a_head_on_embeddings():
    rng = np.random.RandomState(0)
    labels = np.arange(100) % 2
    embeddings = rng.normal(size=(100, 16)) + labels[:, None] * 2.0
    report = cv.cross_validate_head(embeddings, labels, folds=5)
    assert len(report["accuracy_per_fold"]) == 5 and report["accuracy_mean"] > 0.9
    noise = cv.cross_validate_head(rng.normal(size=(100, 16)), labels, folds=5)
    assert noise["accuracy_mean"] < 0.75  # no signal, no accuracy: the folds are honest
    assert report["accuracy_std"] == pytest.approx(np.std(report["accuracy_per_fold"]))
