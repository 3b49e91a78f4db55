"""ml_models/core/int8.py: every version's served graph in INT8 for the browser, calibrated on real photos
and compared with FP32 through the answer function (no TensorFlow here: ONNX Runtime and numpy)."""
import hashlib
import json

import numpy as np
import onnx
import pytest

from ml_models.core import int8
from ml_models.core.artifacts import ONNX_FILE, ONNX_INT8_FILE, Manifest, sha256_of
from ml_models.core.calibration import in_calibration_split
from ml_models.core.inference import OnnxModel
from ml_models.core.preprocess import load_rgb, to_model_input
from ml_models.networks import pretrained

METRIC_KEYS = {"file", "size_bytes", "fp32_size_bytes", "calibration", "parity", "quantize_s"}


def model_inputs(paths) -> np.ndarray:
    return np.stack([to_model_input(load_rgb(path), (224, 224)) for path in paths])


@pytest.fixture(scope="module")
def shared_photos(cat_photos, dog_photos, other_photos) -> np.ndarray:
    """10 cats, 10 dogs and 10 pictures that are neither, from the shared datasets (by name)."""
    return model_inputs([*cat_photos, *dog_photos, *other_photos[:10]])


def test_the_served_graph_is_quantized_and_gives_the_fp32_answers_on_real_photos(model_folder, shared_photos,
                                                                                  tmp_path):
    """The function itself on the pretrained Lite0 graph: 8 photos calibrate, 30 others compare."""
    (tmp_path / ONNX_FILE).symlink_to(model_folder / ONNX_FILE)
    signature = Manifest.read(model_folder).signature
    calibration = shared_photos[[1, 2, 11, 12, 21, 22, 23, 24]]
    metrics = int8.quantize_served(tmp_path, signature, calibration_images=calibration, calibration_source="eight photos",
                                   parity_images=shared_photos)
    assert set(metrics) == METRIC_KEYS and metrics["file"] == ONNX_INT8_FILE
    assert metrics["calibration"] == {"images": 8, "source": "eight photos"}
    assert metrics["size_bytes"] == (tmp_path / ONNX_INT8_FILE).stat().st_size
    assert metrics["fp32_size_bytes"] == (model_folder / ONNX_FILE).stat().st_size
    assert metrics["size_bytes"] < metrics["fp32_size_bytes"] / 3  # int8 weights: about a quarter
    parity = metrics["parity"]
    assert parity["images"] == 30 and parity["label_agreement"] >= 0.9
    assert 0 < parity["max_probability_diff"] < 1 and 0 < parity["max_unusual_diff"] < 0.2

    fp32, quantized = OnnxModel(model_folder / ONNX_FILE), OnnxModel(tmp_path / ONNX_INT8_FILE)
    assert quantized.output_names == fp32.output_names  # every output the signature names, same order
    assert [(i.name, i.type) for i in quantized.session.get_inputs()] == [("image", "tensor(uint8)")]
    ops = {node.op_type for node in onnx.load(str(tmp_path / ONNX_INT8_FILE)).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops  # static QDQ


def test_parity_reads_the_answer_function_so_a_changed_label_counts(model_folder, shared_photos):
    """The same graph twice agrees exactly; the INT8 graph is measured, not assumed equal."""
    signature = Manifest.read(model_folder).signature
    same = int8.answer_parity(model_folder / ONNX_FILE, model_folder / ONNX_FILE, signature, shared_photos[:6])
    assert same == {"images": 6, "label_agreement": 1.0, "max_probability_diff": 0.0, "max_unusual_diff": 0.0}
    quantized = int8.answer_parity(model_folder / ONNX_FILE, model_folder / ONNX_INT8_FILE, signature,
                                   shared_photos[:6])
    assert quantized["max_unusual_diff"] > 0  # really the INT8 graph


def test_calibration_and_parity_need_uint8_images(model_folder, tmp_path):
    with pytest.raises(ValueError, match="at least one image"):
        int8.onnx_int8(model_folder / ONNX_FILE, tmp_path / "x.onnx", np.zeros((0, 224, 224, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        int8.onnx_int8(model_folder / ONNX_FILE, tmp_path / "x.onnx", np.zeros((2, 224, 224, 3), np.float32))
    assert not (tmp_path / "x.onnx").exists()
    with pytest.raises(ValueError, match="at least one image"):
        int8.answer_parity(model_folder / ONNX_FILE, model_folder / ONNX_INT8_FILE,
                           Manifest.read(model_folder).signature, np.zeros((0, 224, 224, 3), np.uint8))


def test_the_pretrained_version_lists_its_int8_graph_and_how_it_was_made(model_folder):
    manifest = Manifest.read(model_folder)
    assert manifest.version == pretrained.VERSION == 4
    assert manifest.files[ONNX_INT8_FILE] == sha256_of(model_folder / ONNX_INT8_FILE)
    manifest.verify(model_folder)
    metrics = manifest.metrics["int8"]
    assert set(metrics) == METRIC_KEYS and metrics["file"] == ONNX_INT8_FILE
    assert metrics["size_bytes"] == (model_folder / ONNX_INT8_FILE).stat().st_size
    assert metrics["fp32_size_bytes"] == (model_folder / ONNX_FILE).stat().st_size
    source = metrics["calibration"]["source"]
    if "shared datasets" in source:  # `make models` with the shared photos (prepare_models)
        assert metrics["calibration"]["images"] == 96 and "sha256 starts with 0-7" in source
    else:  # built without them (the conftest fixture, or a machine without the datasets)
        assert "scikit-image" in source and metrics["calibration"]["images"] == 17
    # compared on the same pictures as the FP32 export's parity check
    assert metrics["parity"]["images"] == manifest.metrics["parity"]["images"]
    assert metrics["parity"]["label_agreement"] >= 0.95
    assert json.dumps(metrics)  # plain JSON


def test_the_shared_calibration_photos_are_a_fixed_mix_from_the_calibration_split(datasets_dir):
    from ml_models.management.commands.prepare_models import shared_calibration_images

    images, source = shared_calibration_images(datasets_dir)
    assert images.shape == (96, 224, 224, 3) and images.dtype == np.uint8
    assert source.startswith("96 photos of the shared datasets (32 cats, 32 dogs, 32 not-cat-dog")
    again, _source = shared_calibration_images(datasets_dir)
    assert np.array_equal(images, again)  # deterministic
    # the first cat is the cat file of lowest sha256 among those starting 0-7
    digests = sorted((hashlib.sha256(path.read_bytes()).hexdigest(), path)
                     for path in (datasets_dir / "catsdogs" / "cat").glob("*.jpg"))
    first = next(path for digest, path in digests if in_calibration_split(digest))
    assert np.array_equal(images[0], model_inputs([first])[0])
    assert not in_calibration_split(digests[-1][0])  # the split really leaves files out


def test_without_the_shared_photos_the_scikit_image_pictures_calibrate(tmp_path):
    from ml_models.management.commands.prepare_models import shared_calibration_images

    assert shared_calibration_images(tmp_path) is None  # no datasets: prepare() falls back
    images, source = pretrained.calibration_pictures()
    assert images.shape == (17, 224, 224, 3) and images.dtype == np.uint8
    assert "scikit-image" in source and "not found" in source


def test_v4_becomes_every_class_s_default_over_an_older_pretrained_version(db, settings, tmp_path, model_folder,
                                                                           classroom):
    """As `make models` upgrades an installation: v3 (no INT8 file) is registered, v4 is prepared and
    registered beside it, and the class answers with v4; v3 stays."""
    from ml_models import runtime
    from ml_models.selectors import serving_version
    from ml_models.services import register_version

    settings.MODELS_DIR = tmp_path / "models"
    new = pretrained.artifact_dir(settings.MODELS_DIR)
    old = new.parent / "3"
    for folder in (new, old):
        folder.mkdir(parents=True)
    manifest = Manifest.read(model_folder)
    for name in manifest.files:
        (new / name).symlink_to(model_folder / name)
        if name != ONNX_INT8_FILE:
            (old / name).symlink_to(model_folder / name)
    manifest.write(new)
    metrics = {key: value for key, value in manifest.metrics.items() if key != "int8"}
    files = {name: digest for name, digest in manifest.files.items() if name != ONNX_INT8_FILE}
    Manifest(**{**manifest.__dict__, "version": 3, "files": files, "metrics": metrics}).write(old)

    runtime.clear()
    v3 = register_version(folder=old)
    assert serving_version(classroom=classroom) == v3
    v4 = register_version(folder=new)
    assert register_version(folder=new) == v4  # idempotent, as prepare_models runs it every time
    assert serving_version(classroom=classroom) == v4 and serving_version(classroom=None) == v4
    assert v4.metrics["int8"]["file"] == ONNX_INT8_FILE and "int8" not in v3.metrics
    assert set(type(v3).objects.filter(name=pretrained.NAME).values_list("version", flat=True)) == {3, 4}
    runtime.clear()
