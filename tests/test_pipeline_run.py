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
    assert [stage for stage, _ in stages] == list(STAGES)  # optimize runs even with nothing to add
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
    config = preset("lite0-finetune", class_names=("chelsea", "coffee"), epochs=2, fine_tune_epochs=1, quantize=False,
                    batch_size=8, cv_folds=2, validation_fraction=0.2, test_fraction=0.2)
    result = run_pipeline(config, examples, tmp_path / "out", name="lite0-ft", version=1)
    assert [row["stage"] for row in result.history][-1] == "fine_tune"
    assert {row["stage"] for row in result.history} == {"head", "fine_tune"}
    assert result.cross_validation["what"].startswith("logistic-regression head")
    assert result.test_metrics["accuracy"] == 1.0
    assert result.parity["passed"]


def test_pruned_and_quantized_artifacts_are_measured_alike(halves_examples, tmp_path):
    config = preset("smoke", image_size=48, epochs=8, learning_rate=3e-3, quantize=True, prune_sparsity=0.5,
                    prune_epochs=2, class_names=("left", "right"),
                    augment=AugmentConfig(flip=False, rotation=0, zoom=0, translation=0, contrast=0, brightness=0))
    result = run_pipeline(config, halves_examples, tmp_path / "out", name="small", version=1)
    rows = {row["artifact"]: row for row in result.artifacts}
    assert set(rows) == {"Keras", "ONNX", "ONNX INT8", "TFLite fp32", "TFLite dynamic-range int8 weights",
                         "TFLite int8", "ONNX pruned 50%"}
    for row in rows.values():
        assert row["size_bytes"] > 0 and row["latency_p50_ms"] > 0 and 0 <= row["accuracy"] <= 1
        assert (tmp_path / "out" / row["file"]).exists()
    assert rows["TFLite int8"]["size_bytes"] < rows["TFLite fp32"]["size_bytes"]
    assert rows["ONNX INT8"]["accuracy"] >= rows["ONNX"]["accuracy"] - 0.15
    assert abs(result.pruning["measured_sparsity"] - 0.5) < 0.05
    assert rows["ONNX pruned 50%"]["compressed_size_bytes"] < rows["ONNX"]["compressed_size_bytes"]
    manifest = Manifest.read(tmp_path / "out")
    manifest.verify(tmp_path / "out")
    assert {row["file"] for row in result.artifacts} <= set(manifest.files)
