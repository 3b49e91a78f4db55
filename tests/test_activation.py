"""Activation, rollback and hot swap, per class: a class's trained classifier goes live without a
restart while other classes keep theirs, and a broken one never does."""
import shutil
import threading

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from eduai import classes
from eduai.errors import AppError
from ml_models import runtime
from ml_models.core.artifacts import ONNX_FILE, Manifest
from ml_models.models import Activation
from ml_models.networks import pretrained
from ml_models.selectors import serving_version
from ml_models.services import activate_version, can_delete, register_version, rollback
from tests import images
from tests.test_pipeline_run import write_examples
from tests.test_pipeline_training import halves

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def trained_folder(tmp_path_factory):
    """A tiny classifier (cat = left half bright, dog = right half), trained once for the module."""
    from training.pipeline.config import AugmentConfig, preset
    from training.pipeline.run import run_pipeline

    folder = tmp_path_factory.mktemp("trained") / "halves" / "1"
    examples = write_examples(tmp_path_factory.mktemp("photos"), *halves(100, size=48))
    no_flips = AugmentConfig(flip=False, rotation=0, zoom=0, translation=0)  # flips would swap the classes
    run_pipeline(preset("smoke", image_size=48, epochs=8, learning_rate=3e-3, augment=no_flips), examples, folder,
                 name="halves", version=1)
    return folder


@pytest.fixture
def models_dir(settings, tmp_path, model_folder, trained_folder):
    settings.MODELS_DIR = tmp_path / "models"
    shutil.copytree(model_folder, pretrained.artifact_dir(settings.MODELS_DIR))
    shutil.copytree(trained_folder, settings.MODELS_DIR / "halves" / "1")
    runtime.clear()
    yield settings.MODELS_DIR
    runtime.clear()


@pytest.fixture
def other_class(make_user, join):
    return classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))


@pytest.fixture
def versions(db, models_dir, classroom):
    imagenet = register_version(folder=pretrained.artifact_dir(models_dir))
    trained = register_version(folder=models_dir / "halves" / "1", classroom=classroom)
    return imagenet, trained


@pytest.fixture
def admin(make_user):
    return make_user("root", "admin")


def upload(api, content, **fields):
    return api.post("/api/v1/analyses/", {"image": SimpleUploadedFile("p.png", content), **fields}, format="multipart")


LEFT_BRIGHT = images.encode(Image.fromarray(halves(2, size=48, seed=9)[0][0]), "PNG")


def test_activated_classifier_answers_for_its_class_only_and_rollback_restores(api, versions, admin, classroom,
                                                                               other_class, student, join):
    imagenet, trained = versions
    activate_version(version=trained, classroom=classroom, user=admin)
    body = upload(api, LEFT_BRIGHT).json()  # ana's current class is `classroom`
    assert body["model_version"]["name"] == "halves" and body["class"] == classroom.pk
    assert body["label"] in {"cat", "unusual"} and body["probabilities"]["cat"] > 0.5  # left half bright = "cat"
    assert np.array(body["explanation"]["grid"]).shape == (6, 6)  # the classifier's own 6x6 class maps
    assert body["tags"] and {tag["source"] for tag in body["tags"]} == {"imagenet"}  # from the same graph
    activation = Activation.objects.get()
    assert (activation.classroom, activation.version, activation.previous) == (classroom, trained, imagenet)

    join(student, other_class)  # the other class still answers with the pretrained default
    assert upload(api, LEFT_BRIGHT, **{"class": other_class.pk}).json()["model_version"]["name"] == "lite0-imagenet"
    assert upload(api, LEFT_BRIGHT, **{"class": classroom.pk}).json()["model_version"]["name"] == "halves"

    assert rollback(classroom=classroom, user=admin) == imagenet
    assert upload(api, LEFT_BRIGHT, **{"class": classroom.pk}).json()["model_version"]["name"] == "lite0-imagenet"
    assert Activation.objects.first().is_rollback


def test_a_trained_student_cnn_is_looked_inside_through_its_own_explain_graph(api, versions, admin, classroom):
    """The look-inside views of a trained version: its own layers (not the ImageNet branch beside it in the
    served graph), its neuron arithmetic, and the sanity check randomising its own layers only."""
    from eduai import jobs
    from inside.models import OcclusionFlip

    _, trained = versions
    activate_version(version=trained, classroom=classroom, user=admin)
    analysis = upload(api, LEFT_BRIGHT).json()["id"]
    layers = api.get(f"/api/v1/models/{trained.pk}/architecture/").json()["layers"]
    assert [layer["name"] for layer in layers if layer["type"] == "Conv2D"] == ["conv1", "conv2", "conv3", "conv4"]
    maps = api.get(f"/api/v1/analyses/{analysis}/layers/conv2_relu/").json()
    assert maps["shape"] == [24, 24, 32]  # 48x48 inside the graph, pooled once
    neuron = api.get(f"/api/v1/analyses/{analysis}/neuron/?channel=3&x=47&y=5").json()
    assert neuron["input_shape"] == [48, 48, 3] and neuron["activation"] == "relu"
    assert neuron["output"] == pytest.approx(neuron["stored"], abs=1e-4)
    job = jobs.execute(api.post(f"/api/v1/analyses/{analysis}/sanity-check/").json()["id"], worker="test")
    steps = job.result["steps"]
    assert [step["randomised"] for step in steps[1:]] == [
        ["logits"], ["conv4"], ["conv3"], ["conv2"], ["conv1"]]  # every weighted layer, from the top
    assert abs(steps[-1]["cam_rank_correlation"]) < steps[0]["cam_rank_correlation"] == 1.0
    white = images.encode(Image.new("L", (224, 224), 255), "PNG")
    import base64

    body = api.post(f"/api/v1/analyses/{analysis}/occlusion/",
                    {"mask": base64.b64encode(white).decode(), "fill": "grey"}, format="json").json()
    assert body["probabilities"] != body["before"]["probabilities"]
    assert OcclusionFlip.objects.filter(analysis_id=analysis).exists() == (body["label"] != body["before"]["label"])


def test_a_version_trained_for_another_class_cannot_serve_this_one(versions, other_class, admin):
    _, trained = versions
    with pytest.raises(AppError, match="otra clase") as refused:
        activate_version(version=trained, classroom=other_class, user=admin)
    assert refused.value.status == 409 and serving_version(classroom=other_class).name == "lite0-imagenet"


def test_damaged_artifact_is_refused_and_the_previous_version_keeps_serving(api, versions, models_dir, classroom):
    imagenet, trained = versions
    with open(models_dir / "halves" / "1" / ONNX_FILE, "r+b") as onnx:
        onnx.seek(100)
        onnx.write(b"broken")
    with pytest.raises(AppError, match="dañados"):
        activate_version(version=trained, classroom=classroom)
    assert serving_version(classroom=classroom) == imagenet and not Activation.objects.exists()
    assert upload(api, images.jpeg()).status_code == 201


def test_failed_parity_or_an_export_older_than_the_contract_cannot_be_activated(versions, models_dir, classroom):
    _, trained = versions
    trained.metrics = {**trained.metrics, "parity": {**trained.metrics["parity"], "passed": False}}
    trained.save()
    with pytest.raises(AppError, match="paridad"):
        activate_version(version=trained, classroom=classroom)
    folder = models_dir / "halves" / "2"
    shutil.copytree(models_dir / "halves" / "1", folder)
    manifest = Manifest.read(folder)
    old_signature = {key: value for key, value in manifest.signature.items() if key != "schema"}
    Manifest(**{**manifest.__dict__, "version": 2, "signature": old_signature}).write(folder)
    old = register_version(folder=folder, classroom=classroom)
    with pytest.raises(AppError, match="formato antiguo"):
        activate_version(version=old, classroom=classroom)
    assert serving_version(classroom=classroom).name == "lite0-imagenet"


def test_nothing_to_roll_back_to(versions, classroom):
    with pytest.raises(AppError) as refused:
        rollback(classroom=classroom)
    assert refused.value.code == "rollback_refused"


def test_versions_that_served_or_were_trained_cannot_be_deleted(versions, classroom, admin):
    imagenet, trained = versions
    assert can_delete(trained)  # not served yet, no run: an orphan export may go
    activate_version(version=trained, classroom=classroom, user=admin)
    assert not can_delete(trained) and not can_delete(imagenet)  # active now / was active before


def test_the_process_keeps_serving_the_class_when_its_new_version_breaks_after_activation(versions, models_dir,
                                                                                         classroom, caplog):
    imagenet, trained = versions
    assert runtime.model_for(classroom).name == "lite0-imagenet"
    (models_dir / "halves" / "1" / ONNX_FILE).write_bytes(b"gone")
    type(classroom).objects.filter(pk=classroom.pk).update(active_version=trained)  # as if another process did it
    assert runtime.model_for(classroom).name == "lite0-imagenet"
    assert [record.levelname for record in caplog.records] == ["ERROR"]  # the failed load, said once
    assert runtime.model_for(classroom).name == "lite0-imagenet"
    assert len(caplog.records) == 1  # not loaded (and logged) again on every request


def test_hot_swap_per_class_under_concurrent_requests_fails_none(transactional_db, models_dir, make_user):
    """Four request loops over two classes while one class's version is swapped six times: no request
    fails, the swapping class is served by both versions, the other class only by its own."""
    teacher = make_user("tere", "teacher")
    swapping, steady = (classes.create_class(name=name, teacher=teacher) for name in ("A", "B"))
    imagenet = register_version(folder=pretrained.artifact_dir(models_dir))
    trained = register_version(folder=models_dir / "halves" / "1", classroom=swapping)
    picture = Image.fromarray(halves(1, size=64)[0][0])
    served = {swapping.pk: set(), steady.pk: set()}
    failures, stop = [], threading.Event()

    def serve(classroom):
        try:
            while not stop.is_set():
                try:
                    model = runtime.model_for(classroom)
                    model.answer(picture)
                    served[classroom.pk].add(model.name)
                except Exception as error:  # noqa: BLE001 - every failure is a failed request
                    failures.append(error)
        finally:
            connection.close()

    runtime.model_for(swapping)  # the process has served before the swap begins
    loops = [threading.Thread(target=serve, args=(classroom,)) for classroom in (swapping, swapping, steady, steady)]
    for loop in loops:
        loop.start()
    try:
        for version in [trained, imagenet] * 3:
            activate_version(version=version, classroom=swapping)
            while runtime._last_served.get(swapping.pk) != version.pk:  # noqa: SLF001 - wait until a loop served it
                stop.wait(0.01)
    finally:
        stop.set()
        for loop in loops:
            loop.join()
    assert failures == []
    assert served == {swapping.pk: {"lite0-imagenet", "halves"}, steady.pk: {"lite0-imagenet"}}
    assert set(runtime.sessions.cached_ids()) == {imagenet.pk, trained.pk}
