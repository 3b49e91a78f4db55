"""ml_models/runtime.py: registering versions (checksums first) and serving them per class from a
bounded cache of ONNX Runtime sessions."""
import shutil
import threading

import numpy as np
import pytest
from django.db import connection

from ml_models import runtime
from ml_models.core.artifacts import ONNX_FILE, ArtifactError, Manifest
from ml_models.models import ModelVersion
from ml_models.networks import pretrained
from ml_models.services import register_version


@pytest.fixture
def models_dir(settings, tmp_path, model_folder):
    """A private models folder holding a copy of the pretrained artifacts."""
    settings.MODELS_DIR = tmp_path / "models"
    shutil.copytree(model_folder, pretrained.artifact_dir(settings.MODELS_DIR))
    runtime.clear()
    yield settings.MODELS_DIR
    runtime.clear()


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
    assert manifest.name == "lite0-imagenet" and manifest.version == pretrained.VERSION == 4
    assert manifest.metrics["parity"]["passed"] and manifest.metrics["explain_parity"]["passed"]
    assert messages == [f"lite0-imagenet v4: artifacts present and verified in {model_folder}"]
    assert {path.name: path.stat().st_mtime_ns for path in model_folder.iterdir()} == before


def test_the_pretrained_version_is_the_default_of_a_class_without_an_active_version(db, models_dir, classroom):
    version = register_version(folder=pretrained.artifact_dir(models_dir))
    again = register_version(folder=pretrained.artifact_dir(models_dir))
    assert version.pk == again.pk and ModelVersion.objects.count() == 1
    assert version.sha256 == Manifest.read(pretrained.artifact_dir(models_dir)).files[ONNX_FILE]
    assert version.classroom is None and version.signature["schema"] == 2
    assert runtime.model_for(classroom).version_id == version.pk
    assert runtime.model_for(None).version_id == version.pk  # someone in no class yet


def test_tampered_artifact_is_never_registered(db, models_dir):
    folder = pretrained.artifact_dir(models_dir)
    with open(folder / ONNX_FILE, "r+b") as onnx:
        onnx.seek(-16, 2)
        onnx.write(b"\0" * 16)
    with pytest.raises(ArtifactError, match="sha256"):
        register_version(folder=folder)
    assert not ModelVersion.objects.exists()


def test_no_version_is_reported_as_503(db, models_dir):
    with pytest.raises(runtime.NoActiveModel) as refused:
        runtime.model_for(None)
    assert refused.value.status == 503 and refused.value.code == "no_active_model"


def test_a_version_exported_before_the_contract_is_not_served(db, models_dir, classroom):
    current = register_version(folder=pretrained.artifact_dir(models_dir))
    old = ModelVersion.objects.create(name="lite0-imagenet", version=1, kind="imagenet_zero_shot",
                                      artifact_dir=str(pretrained.artifact_dir(models_dir).relative_to(models_dir)),
                                      sha256="0" * 64, signature={"input": {}}, metrics={})
    assert runtime.model_for(classroom).version_id == current.pk  # the default is the newest that follows it
    assert old.pk not in runtime.sessions.cached_ids()


def test_one_session_shared_by_concurrent_threads(transactional_db, models_dir):  # threads need committed rows
    register_version(folder=pretrained.artifact_dir(models_dir))
    images = np.random.RandomState(0).randint(0, 255, (4, 224, 224, 3)).astype(np.uint8)
    expected = runtime.model_for(None).predict(images)["probabilities"]
    seen, errors = [], []

    def work():
        try:
            model = runtime.model_for(None)
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


def test_the_cache_keeps_only_the_recently_used_versions(db, models_dir):
    cache = runtime.SessionCache(size=2)
    versions = [register_version(folder=pretrained.artifact_dir(models_dir))]
    later = (pretrained.VERSION + 1, pretrained.VERSION + 2)
    versions += [register_version(folder=copy_as_version(models_dir, number)) for number in later]
    first = cache.get(versions[0])
    cache.get(versions[1])
    assert cache.get(versions[0]) is first  # used again: now the most recent
    cache.get(versions[2])
    assert cache.cached_ids() == [versions[0].pk, versions[2].pk]  # the least recently used one went
    cache.get(versions[1])
    assert cache.cached_ids() == [versions[2].pk, versions[1].pk]
