"""training/pipeline/run.py: the whole pipeline on small real files, exported and served by ONNX Runtime."""
import hashlib

import numpy as np
import pytest
from PIL import Image

from ml_models.core.artifacts import ONNX_FILE, ONNX_INT8_FILE, Manifest
from ml_models.core.inference import OnnxModel, ServedModel
from tests.test_pipeline_training import halves
from training.pipeline import train
from training.pipeline.config import AugmentConfig, preset
from training.pipeline.data import Example
from training.pipeline.run import CLASSIFIER_FILE, KERAS_WEIGHTS_FILE, STAGES, run_pipeline

pytestmark = pytest.mark.tensorflow


def write_examples(folder, images, labels) -> list[Example]:
    examples = []
    for index, (image, label) in enumerate(zip(images, labels)):
        path = folder / f"{index}.png"
        Image.fromarray(image).save(path)
        examples.append(Example(hashlib.sha256(path.read_bytes()).hexdigest(), path, int(label)))
    return examples


def neither_pictures(count: int, size: int = 48, seed: int = 7) -> np.ndarray:
    """Pictures with no bright half: neither class (they calibrate the unusual threshold)."""
    return np.random.RandomState(seed).randint(0, 90, (count, size, size, 3)).astype(np.uint8)


@pytest.fixture(scope="module")
def halves_examples(tmp_path_factory):
    return write_examples(tmp_path_factory.mktemp("halves"), *halves(120, size=48))


@pytest.fixture(scope="module")
def neither_examples(tmp_path_factory):
    return write_examples(tmp_path_factory.mktemp("neither"), neither_pictures(40), [-1] * 40)


def test_student_pipeline_trains_exports_and_serves_one_graph(halves_examples, neither_examples, tmp_path):
    config = preset("smoke", image_size=48, epochs=8, learning_rate=3e-3, cv_folds=3,
                    augment=AugmentConfig(flip=False, rotation=0, zoom=0.05, translation=0, contrast=0.1, brightness=0))
    stages, epochs = [], []
    result = run_pipeline(config, halves_examples, tmp_path / "out", name="student", version=1,
                          others=neither_examples,
                          on_stage=lambda stage, progress: stages.append((stage, progress)),
                          on_epoch=lambda stage, epoch, row: epochs.append(epoch))
    assert [stage for stage, _ in stages] == list(STAGES)  # optimize runs even with nothing to add
    assert [progress for _, progress in stages] == sorted(progress for _, progress in stages)
    assert epochs == list(range(1, len(result.history) + 1))
    assert result.splits == {"train": 84, "validation": 18, "test": 18}
    assert result.test_metrics["accuracy"] >= 0.9 and result.test_metrics["count"] == 18
    assert len(result.cross_validation["accuracy_per_fold"]) == 3
    assert result.cross_validation["method"] == "student_cnn"  # the CNN itself, retrained on each fold
    assert len(result.cross_validation["epochs_per_fold"]) == 3
    assert result.curves["kept_epoch"] == len(result.history)  # smoke preset: no early stopping, last epoch kept
    machine = result.time_machine  # the probes answered after every epoch: one entry per history row
    assert [(e["epoch"], e["stage"]) for e in machine["epochs"]] == [(r["epoch"], r["stage"]) for r in result.history]
    assert len(machine["probes"]) == 12 and [p["split"] for p in machine["probes"]] == ["train"] * 6 + ["validation"] * 6
    assert result.parity["passed"] and set(result.timings_s) == set(STAGES)
    # the look-inside files, checked against Keras and listed with their sha256 (ml_models/networks/explain.py)
    assert result.manifest.metrics["explain_parity"]["passed"] and result.manifest.metrics["explain_parity"]["layers"] == 18

    folder = tmp_path / "out"
    manifest = Manifest.read(folder)
    manifest.verify(folder)
    assert set(manifest.files) == {ONNX_FILE, ONNX_INT8_FILE, CLASSIFIER_FILE, KERAS_WEIGHTS_FILE, "explain.onnx",
                                   "architecture.json"}
    # the served graph in INT8 for the browser, with no quantization asked: calibrated on the train split
    quantized = manifest.metrics["int8"]
    assert quantized["file"] == ONNX_INT8_FILE and quantized["calibration"]["images"] == 84
    assert "train split" in quantized["calibration"]["source"]
    assert quantized["size_bytes"] == (folder / ONNX_INT8_FILE).stat().st_size < quantized["fp32_size_bytes"] / 3
    assert quantized["parity"]["images"] == 18 and quantized["parity"]["label_agreement"] >= 0.9
    int8_graph = OnnxModel(folder / ONNX_INT8_FILE)  # every output the signature names, uint8 image in
    assert set(int8_graph.output_names) == {"probabilities", "imagenet_probabilities", "embedding", "feature_maps",
                                            "class_maps"}
    assert int8_graph.session.get_inputs()[0].type == "tensor(uint8)"
    assert [row["kind"] for row in result.artifacts] == ["keras", "onnx", "onnx_served", "onnx_served_int8"]
    assert manifest.signature["class_names"] == ["cat", "dog"] and manifest.kind == "classifier"
    served = ServedModel.load(folder)  # checksums and the model contract checked
    assert served.input_size == (224, 224)  # the contract's input; the CNN resizes to 48 inside its graph
    assert set(served.graph.output_names) == {"probabilities", "imagenet_probabilities", "embedding", "feature_maps",
                                               "class_maps"}
    pictures = [Image.fromarray(image) for image in halves(10, size=48, seed=5)[0]]
    labels = halves(10, size=48, seed=5)[1]
    verdicts, embeddings = served.verdicts(pictures)
    assert np.mean([v.cat > 0.5 for v in verdicts] == (labels == 0)) >= 0.9 and embeddings.shape == (10, 128)
    full = served.answer(pictures[0])  # one run of one graph: verdict, ImageNet tags and the class's own heatmap
    assert full.cam.shape == (6, 6) and full.tags and {tag["source"] for tag in full.tags} == {"imagenet"}

    unusual = manifest.signature["decision"]["unusual"]
    assert unusual["output"] == "imagenet_probabilities" and not unusual["calibration"].get("inherited")
    assert "test split" in unusual["calibration"]["split"] and unusual["calibration"]["date"]
    counts = result.unusual["counts"]
    assert counts["calibration"]["others"] >= 10 and counts["held_out"]["others"] > 0
    assert counts["calibration"]["pets"] + counts["held_out"]["pets"] == 18  # the test split, cut in two by sha256
    assert "held_out" in result.unusual, result.unusual
    assert 0 <= result.unusual["held_out"]["balanced_accuracy"] <= 1


def test_too_few_neither_pictures_keep_the_pretrained_threshold(halves_examples, neither_examples, tmp_path):
    config = preset("smoke", image_size=32, epochs=1)
    result = run_pipeline(config, halves_examples, tmp_path / "out", name="student", version=1,
                          others=neither_examples[:3])
    unusual = Manifest.read(tmp_path / "out").signature["decision"]["unusual"]
    assert unusual["threshold"] == 0.932 and unusual["calibration"]["inherited"]
    assert "neither" in unusual["calibration"]["reason"] and result.unusual["inherited"]


def test_cancel_stops_before_anything_is_written(halves_examples, tmp_path):
    with pytest.raises(train.Cancelled):
        run_pipeline(preset("smoke", image_size=48), halves_examples, tmp_path / "out", name="x", version=1,
                     should_stop=lambda: True)
    assert not (tmp_path / "out").exists()


def test_a_class_without_images_is_a_clear_error(halves_examples, tmp_path):
    only_left = [example for example in halves_examples if example.label == 0]
    with pytest.raises(ValueError, match="no labelled images for: dog"):
        run_pipeline(preset("smoke", image_size=48), only_left, tmp_path, name="x", version=1)


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
    config = preset("lite0-finetune", epochs=2, fine_tune_epochs=1, quantize=False,  # chelsea = cat, coffee = dog
                    batch_size=8, cv_folds=2, validation_fraction=0.2, test_fraction=0.2)
    result = run_pipeline(config, examples, tmp_path / "out", name="lite0-ft", version=1)
    assert [row["stage"] for row in result.history][-1] == "fine_tune"
    assert {row["stage"] for row in result.history} == {"head", "fine_tune"}
    assert result.cross_validation["method"] == "linear_probe" and result.cross_validation["l2"] == 0.0
    assert result.curves["kept_stage"] == "fine_tune"
    machine = result.time_machine  # head and fine-tuning alike, on Lite0's 7 x 7 feature maps
    assert [(e["epoch"], e["stage"]) for e in machine["epochs"]] == [(r["epoch"], r["stage"]) for r in result.history]
    assert len(machine["probes"]) == 12 and np.array(machine["epochs"][-1]["answers"][0]["cam"]).shape == (7, 7)
    assert Manifest.read(tmp_path / "out").metrics["curves"] == result.curves
    assert result.test_metrics["accuracy"] == 1.0
    assert result.parity["passed"] and result.parity["outputs"] == ["probabilities", "imagenet_probabilities"]
    # the stages fine-tuning left alone are shared with the ImageNet branch, the tuned top is not
    graph = Manifest.read(tmp_path / "out").metrics["served_graph"]
    assert graph["stages_shared_with_imagenet"][:2] == ["stem", "block0"]
    assert graph["stages_duplicated"] == ["block12", "block13", "block14", "block15", "head"]  # ceil(16 x 0.2) blocks
    served = ServedModel.load(tmp_path / "out")
    chelsea = Image.fromarray(pictures[0])
    imagenet = served.predict(served.inputs([chelsea]), ["imagenet_probabilities"])["imagenet_probabilities"][0]
    assert 281 <= int(imagenet.argmax()) <= 285  # still the pretrained network's answer: a cat breed
    assert served.answer(chelsea).tags[0]["tag"] == "cat"


def test_pruned_and_quantized_artifacts_are_measured_alike(halves_examples, tmp_path):
    config = preset("smoke", image_size=48, epochs=8, learning_rate=3e-3, quantize=True, prune_sparsity=0.5,
                    prune_epochs=2,
                    augment=AugmentConfig(flip=False, rotation=0, zoom=0, translation=0, contrast=0, brightness=0))
    result = run_pipeline(config, halves_examples, tmp_path / "out", name="small", version=1)
    rows = {row["kind"]: row for row in result.artifacts}
    assert set(rows) == {"keras", "onnx", "onnx_served", "onnx_served_int8", "onnx_int8", "tflite_float",
                         "tflite_dynamic", "tflite_int8", "onnx_pruned"}
    for row in rows.values():
        assert row["size_bytes"] > 0 and row["latency_p50_ms"] > 0 and 0 <= row["accuracy"] <= 1
        assert (tmp_path / "out" / row["file"]).exists()
    assert rows["tflite_int8"]["size_bytes"] < rows["tflite_float"]["size_bytes"]
    assert rows["onnx_int8"]["accuracy"] >= rows["onnx"]["accuracy"] - 0.15
    assert rows["onnx_served"]["accuracy"] == rows["onnx"]["accuracy"]  # the same classifier, plus ImageNet outputs
    assert rows["onnx_served"]["size_bytes"] > rows["onnx"]["size_bytes"]
    assert rows["onnx_served_int8"]["accuracy"] >= rows["onnx_served"]["accuracy"] - 0.15
    assert rows["onnx_served_int8"]["size_bytes"] < rows["onnx_served"]["size_bytes"] / 3
    assert abs(result.pruning["measured_sparsity"] - 0.5) < 0.05
    assert rows["onnx_pruned"]["compressed_size_bytes"] < rows["onnx"]["compressed_size_bytes"]
    manifest = Manifest.read(tmp_path / "out")
    manifest.verify(tmp_path / "out")
    assert {row["file"] for row in result.artifacts} <= set(manifest.files)


def test_a_cancel_after_training_stops_before_the_next_stage(halves_examples, tmp_path):
    """Pressed while the model exports: no calibration, no optimisation, no manifest (the job then removes
    the folder it reserved)."""
    stages = []
    with pytest.raises(train.Cancelled):
        run_pipeline(preset("smoke", image_size=32, epochs=1), halves_examples, tmp_path / "out", name="x", version=1,
                     on_stage=lambda stage, progress: stages.append(stage), should_stop=lambda: "export" in stages)
    assert stages[-1] == "export" and not (tmp_path / "out" / "manifest.json").exists()
