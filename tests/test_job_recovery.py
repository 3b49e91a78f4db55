"""Jobs that cannot hang: a real Celery worker is killed (SIGKILL) in the middle of a training run."""
import os
import signal
import subprocess
import time

import pytest
from PIL import Image
from rest_framework.test import APIClient

from eduai import celery_app
from eduai.models import Job
from labeling.services import import_image
from ml_models.models import ModelVersion
from tests import images
from tests.test_pipeline_training import halves
from tests.workers import start_worker

LONG_RUN = {"family": "student_cnn", "image_size": 32, "epochs": 500, "batch_size": 8, "patience": 0, "cv_folds": 0,
            "quantize": False}
HEARTBEAT_SECONDS = 1


def beating_worker(tmp_path, queue: str, *, hostname: str, stale_seconds: float):
    """A real worker beating every second and failing jobs silent for `stale_seconds`."""
    return start_worker(queue, hostname=hostname, log_path=tmp_path / f"worker-{hostname}.log",
                        EDUAI_JOB_HEARTBEAT_SECONDS=HEARTBEAT_SECONDS, EDUAI_JOB_STALE_SECONDS=stale_seconds)


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def setting_up(transactional_db, settings, tmp_path, model_folder, monkeypatch, classroom, teacher):
    """A class with labelled pictures, private media and models folders, and this test's own queue."""
    import shutil

    from ml_models.networks import pretrained

    settings.MEDIA_ROOT, settings.MODELS_DIR = tmp_path / "media", tmp_path / "models"
    shutil.copytree(model_folder, pretrained.artifact_dir(settings.MODELS_DIR))
    pictures, labels = halves(20, size=32)
    for index, (picture, label) in enumerate(zip(pictures, labels)):
        import_image(classroom=classroom, content=images.encode(Image.fromarray(picture), "PNG"), name=f"{index}.png",
                     value="cat" if label == 0 else "dog")
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    client = APIClient()
    client.force_authenticate(teacher)
    return queue, client


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def training_started(client, classroom):
    run = client.post(f"/api/v1/classes/{classroom.pk}/training-runs/", {"config": LONG_RUN}, format="json").json()
    return run, Job.objects.get(pk=run["job"])


@pytest.mark.tensorflow
def test_a_job_whose_worker_was_killed_is_failed_and_cleaned_up_and_the_next_one_runs(setting_up, settings,
                                                                                      tmp_path, classroom):
    queue, client = setting_up
    settings.EDUAI_JOB_STALE_SECONDS = 4  # the reaper in this (web) process; a minute in real life
    worker = beating_worker(tmp_path, queue, hostname="first@test", stale_seconds=4)
    try:
        run, job = training_started(client, classroom)
        wait_for(lambda: Job.objects.filter(pk=job.pk, status="running").exists() and
                 len(client.get(f"/api/v1/classes/{classroom.pk}/training-runs/{run['id']}/").json()["history"]) >= 1,
                 timeout=180, what="the run to train its first epoch")
        reserved = Job.objects.get(pk=job.pk).reserved
        assert reserved and all(os.path.isdir(path) for path in reserved)  # its version folder, half written
    finally:
        kill(worker)

    # nobody runs it any more; whoever looks next (here: the API) finds its heartbeat stale and fails it
    body = wait_for(lambda: (lambda b: b if b["status"] == "failed" else None)(
        client.get(f"/api/v1/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="es").json()), timeout=30, what="the reaper")
    assert body["error_code"] == "worker_lost" and body["error"].startswith("El proceso de fondo se detuvo")
    assert not any(os.path.exists(path) for path in reserved)
    assert not ModelVersion.objects.filter(name="student-cnn").exists()
    run_page = client.get(f"/api/v1/classes/{classroom.pk}/training-runs/{run['id']}/").json()
    assert run_page["status"] == "failed" and run_page["error"] == body["error"]

    # nothing is left blocking the class: with a worker again, a new job starts and runs
    worker = beating_worker(tmp_path, queue, hostname="second@test", stale_seconds=4)
    try:
        _next_run, second = training_started(client, classroom)
        wait_for(lambda: Job.objects.get(pk=second.pk).status == "running", timeout=120, what="the next run")
        client.post(f"/api/v1/jobs/{second.pk}/cancel/")
        wait_for(lambda: Job.objects.get(pk=second.pk).status == "cancelled", timeout=60, what="the cancel")
    finally:
        kill(worker)


@pytest.mark.tensorflow
def test_a_restarted_worker_fails_the_job_it_was_running_at_once(setting_up, settings, tmp_path, classroom):
    queue, client = setting_up
    settings.EDUAI_JOB_STALE_SECONDS = 600  # the reaper would wait ten minutes: only the restart can fail it
    worker = beating_worker(tmp_path, queue, hostname="laptop@test", stale_seconds=600)
    try:
        _run, job = training_started(client, classroom)
        wait_for(lambda: Job.objects.filter(pk=job.pk, status="running").exists(), timeout=180, what="the run")
    finally:
        kill(worker)
    assert Job.objects.get(pk=job.pk).status == "running"  # as far as the database knows

    worker = beating_worker(tmp_path, queue, hostname="laptop@test", stale_seconds=600)  # the same worker, restarted
    try:
        failed = wait_for(lambda: Job.objects.filter(pk=job.pk, status="failed").first(), timeout=60,
                          what="the restarted worker to fail its old job")
        assert failed.error_code == "worker_lost" and failed.reserved == []
    finally:
        kill(worker)
