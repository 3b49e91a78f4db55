"""Training runs and the model registry of a class over the API: who may do what, validation, cancel,
and a whole run through a real Celery worker, then activation for that class and serving."""
import os
import shutil
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from eduai import celery_app, classes
from eduai.models import Job
from labeling.services import import_image
from ml_models import runtime
from ml_models.models import ModelVersion
from ml_models.networks import pretrained
from ml_models.services import register_version
from tests import images
from tests.test_pipeline_training import halves
from tests.workers import start_worker, stop_worker
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
def other_class(make_user):
    """Another class, taught by "olga", whom `classroom` does not know."""
    return classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))


@pytest.fixture
def people(student, teacher, classroom, other_class, make_user):
    """ana (student of `classroom`), tere (its teacher), root (admin: teaches every class) and olga
    (a teacher, but of `other_class` only)."""
    return {"student": student, "teacher": teacher, "admin": make_user("root", "admin"),
            "outsider": other_class.created_by}


@pytest.fixture
def labelled(classroom):
    """60 labelled images in `classroom`: cat = left half bright, dog = right half bright."""
    pictures, labels = halves(60, size=48)
    for index, (picture, label) in enumerate(zip(pictures, labels)):
        import_image(classroom=classroom, content=images.encode(Image.fromarray(picture), "PNG"), name=f"{index}.png",
                     value="cat" if label == 0 else "dog")


def runs_url(classroom) -> str:
    return f"/api/v1/classes/{classroom.pk}/training-runs/"


@pytest.mark.parametrize("role, method, path, expected", [
    (None, "get", "training-runs/", 401),
    (None, "get", "models/", 401),
    ("student", "get", "training-runs/", 200),
    ("student", "get", "models/", 200),
    ("student", "post", "training-runs/", 403),
    ("student", "post", "models/rollback/", 403),
    ("teacher", "post", "models/rollback/", 403),  # teachers train; only admins change what answers
    ("admin", "post", "models/rollback/", 409),  # allowed, but there is nothing to roll back to
    ("outsider", "get", "training-runs/", 404),  # a teacher, but not of this class: it does not exist for her
    ("outsider", "post", "training-runs/", 404),
    ("outsider", "get", "models/", 404),
])
def test_who_may_do_what_in_a_class(people, classroom, role, method, path, expected):
    response = getattr(client_for(people.get(role)), method)(f"/api/v1/classes/{classroom.pk}/{path}", {},
                                                              format="json")
    assert response.status_code == expected, response.content


def test_students_and_outsiders_cannot_cancel_runs_or_activate_models(people, classroom, active_model, labelled):
    run = client_for(people["teacher"]).post(runs_url(classroom), {"config": TINY}, format="json").json()
    student, outsider = client_for(people["student"]), client_for(people["outsider"])
    assert student.post(f"{runs_url(classroom)}{run['id']}/cancel/").status_code == 403
    assert student.post(f"/api/v1/jobs/{run['job']}/cancel/").status_code == 403  # nor through its job
    assert outsider.post(f"{runs_url(classroom)}{run['id']}/cancel/").status_code == 404
    assert outsider.get(f"/api/v1/jobs/{run['job']}/").status_code == 404  # another class's work is not hers
    assert student.get(f"/api/v1/jobs/{run['job']}/").json()["status"] == "queued"  # the class sees its runs
    activate = f"/api/v1/classes/{classroom.pk}/models/{active_model.pk}/activate/"
    assert student.post(activate).status_code == 403
    assert client_for(people["teacher"]).post(activate).status_code == 403
    assert TrainingRun.objects.get().job.status == "queued"


def test_a_class_sees_only_its_own_runs(people, classroom, other_class, labelled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = client_for(people["teacher"]).post(runs_url(classroom), {"config": TINY}, format="json").json()
    assert run["classroom"] == classroom.pk and run["created_by"] == "tere"
    assert [item["id"] for item in client_for(people["student"]).get(runs_url(classroom)).json()["results"]] == [
        run["id"]]
    olga = client_for(people["outsider"])
    assert olga.get(runs_url(other_class)).json()["results"] == []
    assert olga.get(f"{runs_url(other_class)}{run['id']}/").status_code == 404  # not through her own class either
    # her class has no labels: the pictures of another class do not count
    refused = olga.post(runs_url(other_class), {"config": TINY}, format="json")
    assert refused.status_code == 400 and "al menos 5" in refused.json()["detail"]


def test_invalid_settings_and_too_few_labels_are_refused_in_spanish(people, classroom):
    teacher = client_for(people["teacher"])
    response = teacher.post(runs_url(classroom), {"config": {**TINY, "epochs": 0}}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "run_refused"
    assert "Configuración de entrenamiento no válida" in response.json()["detail"]
    response = teacher.post(runs_url(classroom), {"preset": "smoke"}, format="json")
    assert response.status_code == 400 and "al menos 5" in response.json()["detail"]
    assert not TrainingRun.objects.exists() and not Job.objects.exists()


def test_a_queued_run_cancelled_never_runs(people, classroom, labelled, django_capture_on_commit_callbacks):
    teacher = client_for(people["teacher"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = teacher.post(runs_url(classroom), {"config": TINY}, format="json").json()
    assert run["status"] == "queued" and run["dataset_size"] == 60 and len(queued) == 1
    cancelled = teacher.post(f"{runs_url(classroom)}{run['id']}/cancel/").json()
    assert cancelled["status"] == "cancelled" and cancelled["error"] == "Cancelado a petición."
    stored = TrainingRun.objects.get(pk=run["id"])
    assert execute_run(stored).job.status == "cancelled"  # the worker picking it up later does nothing
    assert not ModelVersion.objects.exists()
    again = teacher.post(f"{runs_url(classroom)}{run['id']}/cancel/")
    assert again.status_code == 409 and again.json()["detail"] == "Esta ejecución ya ha terminado."


@pytest.mark.tensorflow
def test_failed_run_reports_the_error_registers_nothing_and_leaves_no_folder(
        people, classroom, labelled, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MODELS_DIR = tmp_path / "models"
    with django_capture_on_commit_callbacks(execute=False):
        run = client_for(people["teacher"]).post(runs_url(classroom), {"config": TINY}, format="json").json()
    TrainingRun.objects.filter(pk=run["id"]).update(dataset=[{"image_id": 0, "sha256": "0" * 64, "label": "cat"}])
    finished = execute_run(TrainingRun.objects.get(pk=run["id"]))
    assert finished.job.status == "failed" and finished.job.error and finished.model_version is None
    detail = client_for(people["teacher"]).get(f"{runs_url(classroom)}{run['id']}/").json()
    assert detail["status"] == "failed" and detail["error"] == finished.job.error
    assert not ModelVersion.objects.exists()
    assert not (tmp_path / "models" / "student-cnn" / "1").exists()  # the version folder it reserved is gone
    assert not any((tmp_path / "models").rglob("*.onnx"))


@pytest.fixture
def worker(transactional_db, settings, tmp_path, model_folder, monkeypatch):
    """A real Celery worker (the one `eduai.run_job` task) on its own queue, sharing this test's
    database, media and models folders; the pretrained version is copied into those models."""
    settings.MEDIA_ROOT, settings.MODELS_DIR = tmp_path / "media", tmp_path / "models"
    shutil.copytree(model_folder, pretrained.artifact_dir(settings.MODELS_DIR))
    runtime.clear()  # sessions of an earlier test's versions (ids are reused) must not answer here
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    process = start_worker(queue, hostname=f"{queue}@%h", log_path=tmp_path / "worker.log")
    yield process
    stop_worker(process)
    runtime.clear()


def worker_log(process) -> str:
    """The end of the worker's output, for failure messages."""
    return process.log_path.read_text(errors="replace")[-3000:]


def wait_for(run_id: int, condition, worker, timeout: float = 600) -> TrainingRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = TrainingRun.objects.select_related("job", "model_version").get(pk=run_id)
        if condition(run):
            return run
        if worker.poll() is not None:
            raise AssertionError(f"the worker stopped ({worker.returncode}): {worker_log(worker)}")
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} stuck in {run.job.status} at {run.job.stage}: {run.log[-2000:]}\n"
                         f"worker: {worker_log(worker)}")


@pytest.mark.tensorflow
def test_run_in_a_real_worker_then_activate_for_the_class_and_serve(worker, people, classroom, other_class, labelled,
                                                                     settings, join):
    pretrained_version = register_version(folder=pretrained.artifact_dir(settings.MODELS_DIR))
    teacher, admin, student = (client_for(people[role]) for role in ("teacher", "admin", "student"))
    run = teacher.post(runs_url(classroom), {"config": TINY}, format="json").json()
    finished = wait_for(run["id"], lambda r: r.job.is_finished, worker)
    assert finished.job.status == "succeeded", (finished.log, finished.job.error, worker_log(worker))
    assert [row["epoch"] for row in finished.history] == list(range(1, 17))
    assert finished.results["test"]["accuracy"] >= 0.9
    assert finished.parent_version == pretrained_version  # what answered for the class when it started
    detail = teacher.get(f"{runs_url(classroom)}{run['id']}/").json()
    assert detail["progress"] == 1.0 and detail["stage"] == "done" and detail["model_version"]["name"] == "student-cnn"
    assert student.get(f"/api/v1/jobs/{run['job']}/").json()["result"]["model_version"] == detail["model_version"]["id"]

    version_id = detail["model_version"]["id"]
    trained = ModelVersion.objects.get(pk=version_id)
    assert trained.classroom == classroom and trained.signature["class_names"] == ["cat", "dog"]
    files = teacher.get(f"/api/v1/models/{version_id}/").json()["files"]
    assert "model.onnx" in files
    download = teacher.get(f"/api/v1/models/{version_id}/files/model.onnx")
    assert download.status_code == 200 and len(download["X-Checksum-Sha256"]) == 64
    assert teacher.get(f"/api/v1/models/{version_id}/files/..%2Fmanifest.json").status_code == 404
    olga = client_for(people["outsider"])  # what the class's photos taught it stays with the class
    assert olga.get(f"/api/v1/models/{version_id}/").status_code == 404
    assert olga.get(f"/api/v1/models/{version_id}/files/model.onnx").status_code == 404
    assert version_id not in [row["id"] for row in olga.get(f"/api/v1/classes/{other_class.pk}/models/").json()["results"]]

    listed = {row["id"]: row["is_active"] for row in student.get(f"/api/v1/classes/{classroom.pk}/models/").json()["results"]}
    assert listed == {pretrained_version.pk: True, version_id: False}  # trained, not yet answering
    activate = f"/api/v1/classes/{classroom.pk}/models/{version_id}/activate/"
    assert teacher.post(activate).status_code == 403
    assert admin.post(f"/api/v1/classes/{other_class.pk}/models/{version_id}/activate/").status_code == 404
    assert admin.post(activate).json()["is_active"]

    join(people["student"], other_class)  # ana is in both classes now
    left_bright = images.encode(Image.fromarray(halves(2, size=48, seed=4)[0][0]), "PNG")

    def analyse(class_id):
        response = student.post("/api/v1/analyses/", {"image": SimpleUploadedFile("x.png", left_bright),
                                                      "class": class_id}, format="multipart")
        assert response.status_code == 201, response.content
        return response.json()

    in_class = analyse(classroom.pk)
    assert in_class["model_version"]["id"] == version_id and in_class["probabilities"]["cat"] > 0.5
    assert analyse(other_class.pk)["model_version"]["id"] == pretrained_version.pk  # the other class keeps its model
    assert admin.post(f"/api/v1/classes/{classroom.pk}/models/rollback/").json()["name"] == "lite0-imagenet"
    assert analyse(classroom.pk)["model_version"]["id"] == pretrained_version.pk


@pytest.mark.tensorflow
def test_cancel_a_running_run_in_the_worker(worker, people, classroom, labelled, settings):
    teacher = client_for(people["teacher"])
    run = teacher.post(runs_url(classroom), {"config": {**TINY, "epochs": 500}}, format="json").json()
    running = wait_for(run["id"], lambda r: len(r.history) >= 1, worker)
    assert running.job.status == "running" and (settings.MODELS_DIR / "student-cnn" / "1").is_dir()
    assert teacher.post(f"{runs_url(classroom)}{run['id']}/cancel/").json()["cancel_requested"]
    finished = wait_for(run["id"], lambda r: r.job.is_finished, worker, timeout=120)
    assert finished.job.status == "cancelled" and len(finished.history) < 500
    assert finished.model_version is None and not ModelVersion.objects.filter(name="student-cnn").exists()
    assert not (settings.MODELS_DIR / "student-cnn" / "1").exists()  # its half-written version is removed
    assert teacher.get(f"{runs_url(classroom)}{run['id']}/").json()["error"] == "Cancelado a petición."


def test_a_preset_with_json_overrides_is_checked_like_a_config(people, classroom, labelled,
                                                              django_capture_on_commit_callbacks):
    teacher = client_for(people["teacher"])
    with django_capture_on_commit_callbacks(execute=False):
        response = teacher.post(runs_url(classroom), {"preset": "smoke", "config": {
            "augment": {"flip": False}, "class_names": ["cat", "dog"], "epochs": 3}}, format="json")
    assert response.status_code == 201, response.content
    config = TrainingRun.objects.get().config
    assert (config["augment"]["flip"], config["class_names"], config["epochs"], config["family"]) == (
        False, ["cat", "dog"], 3, "student_cnn")
    refused = teacher.post(runs_url(classroom), {"preset": "smoke", "config": {"augment": {"bogus": 1}}},
                           format="json")
    assert refused.status_code == 400 and "bogus" in refused.json()["detail"]
    refused = teacher.post(runs_url(classroom), {"config": {**TINY, "class_names": ["cat", "horse"]}}, format="json")
    assert refused.status_code == 400 and "class_names" in refused.json()["detail"]  # cat and dog, each once
    assert TrainingRun.objects.count() == 1


def test_runs_training_at_once_reserve_different_versions(db, settings, tmp_path):
    from training.services import reserve_version

    settings.MODELS_DIR = tmp_path / "models"
    first, second = reserve_version("student-cnn"), reserve_version("student-cnn")
    assert (first[0], second[0]) == (1, 2)
    assert first[1].is_dir() and second[1].is_dir() and first[1] != second[1]
