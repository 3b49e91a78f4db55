"""Activation, rollback and hot swap: a trained classifier goes live without a restart, and a broken
one never does."""
import shutil
import threading

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from eduai.errors import AppError
from ml_models import pretrained
from ml_models.artifacts import ONNX_FILE
from ml_models.models import Activation, ModelVersion
from ml_models.runtime import ActiveModel, ImageNetModel
from ml_models.services import activate_version, register_version, rollback
from tests import images
from tests.test_pipeline_run import write_examples
from tests.test_pipeline_training import halves

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def trained_folders(tmp_path_factory):
    """Two tiny classifiers (cat = left half bright, dog = right half), trained once for the module."""
    from training.pipeline.config import AugmentConfig, preset
    from training.pipeline.run import run_pipeline

    root = tmp_path_factory.mktemp("trained")
    examples = write_examples(tmp_path_factory.mktemp("photos"), *halves(100, size=48))
    folders = {}
    for name, class_names in (("halves", ("cat", "dog")), ("wrong-classes", ("left", "right"))):
        folders[name] = root / name / "1"
        no_flips = AugmentConfig(flip=False, rotation=0, zoom=0, translation=0)  # flips would swap the classes
        run_pipeline(preset("smoke", image_size=48, epochs=8, learning_rate=3e-3, class_names=class_names,
                            augment=no_flips), examples,
                     folders[name], name=name, version=1)
    return folders


@pytest.fixture
def models_dir(settings, tmp_path, model_folder, trained_folders):
    settings.MODELS_DIR = tmp_path / "models"
    shutil.copytree(model_folder, pretrained.artifact_dir(settings.MODELS_DIR))
    for name, folder in trained_folders.items():
        shutil.copytree(folder, settings.MODELS_DIR / name / "1")
    ActiveModel.clear()
    ImageNetModel.clear()
    yield settings.MODELS_DIR
    ActiveModel.clear()
    ImageNetModel.clear()


@pytest.fixture
def versions(db, models_dir):
    imagenet = register_version(folder=pretrained.artifact_dir(models_dir))
    halves_version = register_version(folder=models_dir / "halves" / "1", activate_if_none_active=False)
    return imagenet, halves_version


def upload(api, content):
    return api.post("/api/v1/analyses/", {"image": SimpleUploadedFile("p.png", content)}, format="multipart")


def test_activated_classifier_answers_at_once_and_rollback_restores(api, versions, make_user):
    imagenet, classifier = versions
    admin = make_user("root", "admin")
    activate_version(version=classifier, user=admin)
    left_bright = images.encode(Image.fromarray(halves(2, size=48, seed=9)[0][0]), "PNG")
    body = upload(api, left_bright).json()
    assert body["model_version"]["name"] == "halves"
    assert body["label"] in {"cat", "unusual"} and body["probabilities"]["cat"] > 0.5  # left half bright = "cat"
    assert np.array(body["explanation"]["grid"]).shape == (6, 6)  # the classifier's own 6x6 feature maps
    assert body["tags"]  # tags still come from the ImageNet network
    assert Activation.objects.get().previous == imagenet

    assert rollback(user=admin) == imagenet
    assert upload(api, left_bright).json()["model_version"]["name"] == "lite0-imagenet"
    assert Activation.objects.first().is_rollback


def test_damaged_artifact_is_refused_and_the_previous_version_keeps_serving(api, versions, models_dir):
    imagenet, classifier = versions
    with open(models_dir / "halves" / "1" / ONNX_FILE, "r+b") as onnx:
        onnx.seek(100)
        onnx.write(b"broken")
    with pytest.raises(AppError, match="dañados"):
        activate_version(version=classifier)
    assert ModelVersion.objects.get(is_active=True) == imagenet
    assert upload(api, images.jpeg()).status_code == 201


def test_failed_parity_or_wrong_classes_cannot_be_activated(versions, models_dir):
    _, classifier = versions
    classifier.metrics = {**classifier.metrics, "parity": {**classifier.metrics["parity"], "passed": False}}
    classifier.save()
    with pytest.raises(AppError, match="paridad"):
        activate_version(version=classifier)
    wrong = register_version(folder=models_dir / "wrong-classes" / "1", activate_if_none_active=False)
    with pytest.raises(AppError, match="cat"):
        activate_version(version=wrong)
    assert not ModelVersion.objects.get(pk=wrong.pk).is_active


def test_nothing_to_roll_back_to(versions):
    with pytest.raises(AppError):
        rollback()


def test_process_keeps_serving_when_the_new_version_breaks_after_activation(versions, models_dir, caplog):
    imagenet, classifier = versions
    assert ActiveModel.get().name == "lite0-imagenet"
    (models_dir / "halves" / "1" / ONNX_FILE).write_bytes(b"gone")
    ModelVersion.objects.filter(pk=imagenet.pk).update(is_active=False)
    ModelVersion.objects.filter(pk=classifier.pk).update(is_active=True)  # as if another process activated it
    assert ActiveModel.get().name == "lite0-imagenet"
    assert [record.levelname for record in caplog.records] == ["ERROR"]  # the failed load, said once
    assert ActiveModel.get().name == "lite0-imagenet"
    assert len(caplog.records) == 1  # not loaded (and logged) again on every request


def test_hot_swap_under_concurrent_requests_fails_none(transactional_db, models_dir):
    from classifier.services import predict

    imagenet = register_version(folder=pretrained.artifact_dir(models_dir))
    classifier = register_version(folder=models_dir / "halves" / "1", activate_if_none_active=False)
    picture = Image.fromarray(halves(1, size=64)[0][0])
    served, failures, stop = set(), [], threading.Event()

    def serve():
        try:
            while not stop.is_set():
                try:
                    model = ActiveModel.get()
                    predict(model, picture)
                    served.add(model.name)
                except Exception as error:  # noqa: BLE001 - every failure is a failed request
                    failures.append(error)
        finally:
            connection.close()

    ActiveModel.get()  # the process has served before the swap begins
    workers = [threading.Thread(target=serve) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        for version in [classifier, imagenet] * 3:
            activate_version(version=version)
            while ActiveModel._current is None or ActiveModel._current.version_id != version.pk:
                stop.wait(0.01)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert failures == []
    assert served == {"lite0-imagenet", "halves"}
