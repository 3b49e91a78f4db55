"""ml_models: registering versions (checksums first) and the per-process ONNX Runtime session."""
import shutil
import threading

import numpy as np
import pytest
from django.db import connection

from ml_models import pretrained
from ml_models.artifacts import ONNX_FILE, ArtifactError, Manifest
from ml_models.models import ModelVersion
from ml_models.runtime import ActiveModel, NoActiveModel
from ml_models.services import register_version


@pytest.fixture
def models_dir(settings, tmp_path, model_folder):
    """A private models folder holding a copy of the pretrained artifacts."""
    settings.MODELS_DIR = tmp_path / "models"
    shutil.copytree(model_folder, pretrained.artifact_dir(settings.MODELS_DIR))
    ActiveModel.clear()
    yield settings.MODELS_DIR
    ActiveModel.clear()


def copy_as_version(models_dir, version: int):
    source = pretrained.artifact_dir(models_dir)
    target = source.parent / str(version)
    shutil.copytree(source, target)
    manifest = Manifest.read(target)
    Manifest(**{**manifest.__dict__, "version": version}).write(target)
    return target


def test_prepare_is_idempotent(model_folder):
    before = {path.name: path.stat().st_mtime_ns for path in model_folder.iterdir()}
    messages = []
    manifest = pretrained.prepare(model_folder.parent.parent, log=messages.append)
    assert manifest.name == "lite0-imagenet" and manifest.metrics["parity"]["passed"]
    assert messages == [f"lite0-imagenet v1: artifacts present and verified in {model_folder}"]
    assert {path.name: path.stat().st_mtime_ns for path in model_folder.iterdir()} == before


def test_first_version_registered_becomes_active_once(db, models_dir):
    folder = pretrained.artifact_dir(models_dir)
    first = register_version(folder=folder)
    again = register_version(folder=folder)
    assert first.pk == again.pk and first.is_active
    assert first.sha256 == Manifest.read(folder).files[ONNX_FILE]
    assert first.signature["input"]["dtype"] == "uint8"
    assert ModelVersion.objects.count() == 1


def test_tampered_artifact_is_never_registered(db, models_dir):
    folder = pretrained.artifact_dir(models_dir)
    with open(folder / ONNX_FILE, "r+b") as onnx:
        onnx.seek(-16, 2)
        onnx.write(b"\0" * 16)
    with pytest.raises(ArtifactError, match="sha256"):
        register_version(folder=folder)
    assert not ModelVersion.objects.exists()


def test_no_active_version_is_reported(db, models_dir):
    with pytest.raises(NoActiveModel):
        ActiveModel.get()


def test_one_session_shared_by_concurrent_threads(transactional_db, models_dir):  # threads need committed rows
    register_version(folder=pretrained.artifact_dir(models_dir))
    images = np.random.RandomState(0).randint(0, 255, (4, 224, 224, 3)).astype(np.uint8)
    expected = ActiveModel.get().predict(images)["probabilities"]
    seen, errors = [], []

    def work():
        try:
            model = ActiveModel.get()
            seen.append(id(model))
            np.testing.assert_allclose(model.predict(images)["probabilities"], expected, atol=1e-6)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()  # each thread opened its own; leave none for the test-database teardown

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(seen)) == 1


def test_process_picks_up_a_newly_activated_version(db, models_dir):
    first = register_version(folder=pretrained.artifact_dir(models_dir))
    held = ActiveModel.get()
    second = register_version(folder=copy_as_version(models_dir, 2), activate_if_none_active=False)
    assert ActiveModel.get() is held
    ModelVersion.objects.filter(pk=first.pk).update(is_active=False)
    ModelVersion.objects.filter(pk=second.pk).update(is_active=True)
    swapped = ActiveModel.get()
    assert swapped is not held and (swapped.version_id, swapped.version) == (second.pk, 2)
    assert held.predict(np.zeros((1, 224, 224, 3), np.uint8))["probabilities"].shape == (1, 1000)  # still usable
