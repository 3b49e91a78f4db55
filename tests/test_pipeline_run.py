"""training/pipeline/run.py: the whole pipeline on small real files, exported and served by ONNX Runtime."""
import hashlib

import numpy as np
import pytest
from PIL import Image

from ml_models.artifacts import ONNX_FILE, Manifest
from ml_models.runtime import LoadedModel
from training.pipeline import train
from training.pipeline.config import AugmentConfig, preset
from training.pipeline.data import Example
from training.pipeline.run import KERAS_WEIGHTS_FILE, STAGES, run_pipeline
from tests.test_pipeline_training import halves

pytestmark = pytest.mark.tensorflow


def write_examples(folder, images, labels) -> list[Example]:
    examples = []
    for index, (image, label) in enumerate(zip(images, labels)):
        path = folder / f"{index}.png"
        Image.fromarray(image).save(path)
        examples.append(Example(hashlib.sha256(path.read_bytes()).hexdigest(), path, int(label)))
    return examples


@pytest.fixture(scope="module")
def halves_examples(tmp_path_factory):
    return write_examples(tmp_path_factory.mktemp("halves"), *halves(120, size=48))


def test_student_pipeline_trains_exports_and_serves(halves_examples, tmp_path):
    config = preset("smoke", image_size=48, epochs=8, learning_rate=3e-3, cv_folds=3, class_names=("left", "right"),
                    augment=AugmentConfig(flip=False, rotation=0, zoom=0.05, translation=0, contrast=0.1, brightness=0))
    stages, epochs = [], []
    result = run_pipeline(config, halves_examples, tmp_path / "out", name="student", version=1,
                          on_stage=lambda stage, progress: stages.append((stage, progress)),
                          on_epoch=lambda stage, epoch, row: epochs.append(epoch))
    assert [stage for stage, _ in stages] == list(STAGES)
    assert [progress for _, progress in stages] == sorted(progress for _, progress in stages)
    assert epochs == list(range(1, len(result.history) + 1))
    assert result.splits == {"train": 84, "validation": 18, "test": 18}
    assert result.test_metrics["accuracy"] >= 0.9 and result.test_metrics["count"] == 18
    assert len(result.cross_validation["accuracy_per_fold"]) == 3
    assert result.parity["passed"] and set(result.timings_s) == set(STAGES)

    folder = tmp_path / "out"
    manifest = Manifest.read(folder)
    manifest.verify(folder)
    assert set(manifest.files) == {ONNX_FILE, "classifier_head.npz", KERAS_WEIGHTS_FILE}
    assert manifest.signature["class_names"] == ["left", "right"] and manifest.kind == "classifier"
    served = LoadedModel.load(folder)
    assert served.input_size == (48, 48)
    images, labels = halves(10, size=48, seed=5)
    assert (served.predict(images)["probabilities"].argmax(1) == labels).mean() >= 0.9


def test_cancel_stops_before_anything_is_written(halves_examples, tmp_path):
    with pytest.raises(train.Cancelled):
        run_pipeline(preset("smoke", image_size=48), halves_examples, tmp_path / "out", name="x", version=1,
                     should_stop=lambda: True)
    assert not (tmp_path / "out").exists()


def test_a_class_without_images_is_a_clear_error(halves_examples, tmp_path):
    only_left = [example for example in halves_examples if example.label == 0]
    with pytest.raises(ValueError, match="no labelled images for: right"):
        run_pipeline(preset("smoke", image_size=48, class_names=("left", "right")), only_left, tmp_path, name="x",
                     version=1)


def test_transfer_pipeline_fine_tunes_lite0(tmp_path):
    """A few real-looking pictures through head training, fine-tuning and cross-validation of the head."""
    import skimage.data

    pictures = [skimage.data.chelsea(), skimage.data.coffee()]
    rng = np.random.RandomState(0)
    images, labels = [], []
    for label, picture in enumerate(pictures):
        for _ in range(12):  # jittered crops of each picture
            top, left = rng.randint(0, 40, 2)
            images.append(np.asarray(Image.fromarray(picture[top:top + 250, left:left + 250]).resize((224, 224))))
            labels.append(label)
    examples = write_examples(tmp_path, np.stack(images), labels)
    config = preset("lite0-finetune", class_names=("chelsea", "coffee"), epochs=2, fine_tune_epochs=1,
                    batch_size=8, cv_folds=2, validation_fraction=0.2, test_fraction=0.2)
    result = run_pipeline(config, examples, tmp_path / "out", name="lite0-ft", version=1)
    assert [row["stage"] for row in result.history][-1] == "fine_tune"
    assert {row["stage"] for row in result.history} == {"head", "fine_tune"}
    assert result.cross_validation["what"].startswith("logistic-regression head")
    assert result.test_metrics["accuracy"] == 1.0
    assert result.parity["passed"]
