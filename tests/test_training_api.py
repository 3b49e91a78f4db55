"""Training runs and the model registry over the API: roles, validation, cancel, and a whole run
through a real Celery worker, then activation."""
import os
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from eduai import celery_app
from labeling.services import import_image
from ml_models import pretrained
from ml_models.models import ModelVersion
from ml_models.services import register_version
from tests import images
from tests.test_pipeline_training import halves
from training.models import TrainingRun
from training.services import execute_run

TINY = {"family": "student_cnn", "image_size": 48, "epochs": 16, "learning_rate": 0.003, "batch_size": 16,
        "patience": 0, "cv_folds": 0, "quantize": False,
        "augment": {"flip": False, "rotation": 0, "zoom": 0, "translation": 0, "contrast": 0, "brightness": 0}}


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def people(make_user):
    return {"student": make_user("ana", "student"), "teacher": make_user("teresa", "teacher"),
            "admin": make_user("root", "admin")}


@pytest.fixture
def labelled(db):
    """60 labelled images: cat = left half bright, dog = right half bright."""
    pictures, labels = halves(60, size=48)
    for index, (picture, label) in enumerate(zip(pictures, labels)):
        import_image(content=images.encode(Image.fromarray(picture), "PNG"), name=f"{index}.png",
                     value="cat" if label == 0 else "dog")


@pytest.mark.parametrize("role, method, path, expected", [
    (None, "get", "/api/v1/training-runs/", 401),
    (None, "get", "/api/v1/models/", 401),
    ("student", "get", "/api/v1/training-runs/", 200),
    ("student", "get", "/api/v1/models/", 200),
    ("student", "post", "/api/v1/training-runs/", 403),
    ("student", "post", "/api/v1/models/rollback/", 403),
    ("teacher", "post", "/api/v1/models/rollback/", 403),
    ("admin", "post", "/api/v1/models/rollback/", 409),  # allowed, but there is nothing to roll back to
])
def test_who_may_do_what(people, role, method, path, expected):
    response = getattr(client_for(people.get(role)), method)(path, {}, format="json")
    assert response.status_code == expected


def test_students_cannot_cancel_runs_or_activate_models(people, active_model, labelled):
    run = client_for(people["teacher"]).post("/api/v1/training-runs/", {"config": TINY}, format="json").json()
    student = client_for(people["student"])
    assert student.post(f"/api/v1/training-runs/{run['id']}/cancel/").status_code == 403
    assert student.post(f"/api/v1/models/{active_model.pk}/activate/").status_code == 403
    assert client_for(people["teacher"]).post(f"/api/v1/models/{active_model.pk}/activate/").status_code == 403


def test_invalid_settings_and_too_few_labels_are_refused_in_spanish(people, db):
    teacher = client_for(people["teacher"])
    response = teacher.post("/api/v1/training-runs/", {"config": {**TINY, "epochs": 0}}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "run_refused"
    assert "Configuración de entrenamiento no válida" in response.json()["detail"]
    response = teacher.post("/api/v1/training-runs/", {"preset": "smoke"}, format="json")
    assert response.status_code == 400 and "al menos 5" in response.json()["detail"]
    assert not TrainingRun.objects.exists()


def test_a_queued_run_cancelled_never_runs(people, labelled, django_capture_on_commit_callbacks):
    teacher = client_for(people["teacher"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = teacher.post("/api/v1/training-runs/", {"config": TINY}, format="json").json()
    assert run["status"] == "queued" and run["dataset_size"] == 60 and len(queued) == 1
    cancelled = teacher.post(f"/api/v1/training-runs/{run['id']}/cancel/").json()
    assert cancelled["status"] == "cancelled"
    assert execute_run(run["id"]).status == "cancelled"  # the worker picking it up later does nothing
    assert not ModelVersion.objects.exists()
    again = teacher.post(f"/api/v1/training-runs/{run['id']}/cancel/")
    assert again.status_code == 409


def test_failed_run_reports_the_error_and_registers_nothing(people, labelled, settings, tmp_path,
                                                            django_capture_on_commit_callbacks):
    settings.MODELS_DIR = tmp_path / "models"
    with django_capture_on_commit_callbacks(execute=False):
        run = client_for(people["teacher"]).post("/api/v1/training-runs/", {"config": TINY}, format="json").json()
    TrainingRun.objects.filter(pk=run["id"]).update(dataset=[{"image_id": 0, "sha256": "0" * 64, "label": "cat"}])
    finished = execute_run(run["id"])
    assert finished.status == "failed" and finished.error
    assert not ModelVersion.objects.exists() and not any((tmp_path / "models").rglob("*.onnx"))


def database_url(connection) -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    return (f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}")


@pytest.fixture
def worker(transactional_db, settings, tmp_path, model_folder, monkeypatch):
    """A real Celery worker on its own queue, sharing this test's database, media and models folders."""
    import shutil

    from django.db import connection

    settings.MEDIA_ROOT, settings.MODELS_DIR = tmp_path / "media", tmp_path / "models"
    shutil.copytree(model_folder, pretrained.artifact_dir(settings.MODELS_DIR))
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "eduai.settings", "DATABASE_URL": database_url(connection),
           "EDUAI_MEDIA_DIR": str(settings.MEDIA_ROOT), "EDUAI_MODELS_DIR": str(settings.MODELS_DIR)}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "eduai", "worker", "--pool=solo", "--queues", queue,
         "--loglevel=warning", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(run_id: int, condition, timeout: float = 240) -> TrainingRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = TrainingRun.objects.get(pk=run_id)
        if condition(run):
            return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} stuck in {run.status} at {run.stage}: {run.log[-2000:]}")


@pytest.mark.tensorflow
def test_run_in_a_real_worker_then_activate_and_serve(worker, people, labelled):
    register_version(folder=pretrained.artifact_dir(__import__("django.conf").conf.settings.MODELS_DIR))
    teacher, admin = client_for(people["teacher"]), client_for(people["admin"])
    run = teacher.post("/api/v1/training-runs/", {"config": TINY}, format="json").json()
    finished = wait_for(run["id"], lambda r: r.is_finished)
    assert finished.status == "succeeded", finished.log
    assert [row["epoch"] for row in finished.history] == list(range(1, 17))
    assert finished.results["test"]["accuracy"] >= 0.9
    detail = teacher.get(f"/api/v1/training-runs/{run['id']}/").json()
    assert detail["progress"] == 1.0 and detail["model_version"]["name"] == "student-cnn"

    version_id = detail["model_version"]["id"]
    files = teacher.get(f"/api/v1/models/{version_id}/").json()["files"]
    assert "model.onnx" in files
    download = teacher.get(f"/api/v1/models/{version_id}/files/model.onnx")
    assert download.status_code == 200 and len(download["X-Checksum-Sha256"]) == 64
    assert teacher.get(f"/api/v1/models/{version_id}/files/..%2Fmanifest.json").status_code == 404

    assert admin.post(f"/api/v1/models/{version_id}/activate/").json()["is_active"]
    left_bright = images.encode(Image.fromarray(halves(2, size=48, seed=4)[0][0]), "PNG")
    analysis = client_for(people["student"]).post(
        "/api/v1/analyses/", {"image": SimpleUploadedFile("x.png", left_bright)}, format="multipart").json()
    assert analysis["model_version"]["id"] == version_id and analysis["probabilities"]["cat"] > 0.5
    assert admin.post("/api/v1/models/rollback/").json()["name"] == "lite0-imagenet"


@pytest.mark.tensorflow
def test_cancel_a_running_run_in_the_worker(worker, people, labelled):
    teacher = client_for(people["teacher"])
    run = teacher.post("/api/v1/training-runs/", {"config": {**TINY, "epochs": 500}}, format="json").json()
    wait_for(run["id"], lambda r: len(r.history) >= 1)
    assert teacher.post(f"/api/v1/training-runs/{run['id']}/cancel/").json()["cancel_requested"]
    finished = wait_for(run["id"], lambda r: r.is_finished, timeout=60)
    assert finished.status == "cancelled" and len(finished.history) < 500
    assert finished.model_version is None and not ModelVersion.objects.filter(name="student-cnn").exists()


def test_a_preset_with_json_overrides_is_checked_like_a_config(people, labelled, django_capture_on_commit_callbacks):
    teacher = client_for(people["teacher"])
    with django_capture_on_commit_callbacks(execute=False):
        response = teacher.post("/api/v1/training-runs/", {"preset": "smoke", "config": {
            "augment": {"flip": False}, "class_names": ["cat", "dog"], "epochs": 3}}, format="json")
    assert response.status_code == 201, response.content
    config = TrainingRun.objects.get().config
    assert (config["augment"]["flip"], config["class_names"], config["epochs"], config["family"]) == (
        False, ["cat", "dog"], 3, "student_cnn")
    refused = teacher.post("/api/v1/training-runs/", {"preset": "smoke", "config": {"augment": {"bogus": 1}}},
                           format="json")
    assert refused.status_code == 400 and "bogus" in refused.json()["detail"]
    assert TrainingRun.objects.count() == 1


def test_runs_training_at_once_reserve_different_versions(db, settings, tmp_path):
    from training.services import reserve_version

    settings.MODELS_DIR = tmp_path / "models"
    first, second = reserve_version("student-cnn"), reserve_version("student-cnn")
    assert (first[0], second[0]) == (1, 2)
    assert first[1].is_dir() and second[1].is_dir() and first[1] != second[1]
