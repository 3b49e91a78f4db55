"""eduai/jobs.py: one lifecycle for every background job, and jobs that cannot hang."""
import time
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone, translation

from eduai import jobs
from eduai.errors import AppError
from eduai.models import Job, WorkerBeat

RESERVED = {}  # the folder the failing handler reserves, per test


def failing_handler(job, progress):
    progress.reserve(RESERVED["path"])
    raise AppError("too_few_labels", "Pocas etiquetas.")


def crashing_handler(job, progress):
    raise ZeroDivisionError("division by zero")


def cancelled_while_running(job, progress):
    jobs.cancel(job)  # someone presses Cancel while it runs
    progress._checked_at = -10  # noqa: SLF001 - the next check reads the database at once
    progress.raise_if_cancelled()
    raise AssertionError("not stopped")


def handled_by(monkeypatch, handler) -> None:
    """Run scoring jobs with one of the handlers above (a real handler, written for the test)."""
    monkeypatch.setitem(jobs.KINDS, Job.Kind.SCORING, jobs.JobKind(f"tests.test_jobs.{handler.__name__}"))


@pytest.fixture
def job(db, classroom, teacher):
    return jobs.start_job(kind=Job.Kind.SCORING, classroom=classroom, owner=teacher, params={"images": []},
                          enqueue=False)


def test_a_job_is_claimed_once_so_a_message_delivered_twice_does_nothing(job):
    claimed = jobs.claim(job.pk, worker="w1")
    assert claimed.status == "running" and claimed.worker == "w1" and claimed.heartbeat_at is not None
    assert jobs.claim(job.pk, worker="w2") is None
    assert jobs.execute(job.pk, worker="w2").worker == "w1"  # the second delivery leaves it alone


def test_a_job_runs_its_handler_and_keeps_its_result(job):
    finished = jobs.execute(job.pk, worker="w")
    assert (finished.status, finished.progress, finished.result) == ("succeeded", 1.0, {"scored": 0})
    assert finished.finished_at is not None and finished.reserved == []


def test_a_failing_handler_fails_the_job_with_its_error_and_removes_what_it_reserved(job, tmp_path, monkeypatch):
    reserved = tmp_path / "half-written"
    reserved.mkdir()
    (reserved / "model.onnx").write_bytes(b"...")
    RESERVED["path"] = reserved
    handled_by(monkeypatch, failing_handler)
    failed = jobs.execute(job.pk, worker="w")
    assert (failed.status, failed.error_code, failed.error) == ("failed", "too_few_labels", "Pocas etiquetas.")
    assert not reserved.exists() and failed.reserved == []


def test_an_unexpected_error_is_reported_on_the_job_with_its_traceback_kept_out_of_the_api(job, monkeypatch):
    handled_by(monkeypatch, crashing_handler)
    failed = jobs.execute(job.pk, worker="w")
    assert failed.status == "failed" and failed.error == "ZeroDivisionError: division by zero"
    assert "Traceback" in failed.result["traceback"]


def test_cancelling_a_queued_job_cancels_it_at_once(job):
    cancelled = jobs.cancel(job)
    assert cancelled.status == "cancelled" and cancelled.error_code == "cancelled"
    assert jobs.claim(job.pk, worker="w") is None  # the worker will not start it
    with pytest.raises(AppError) as refused:
        jobs.cancel(cancelled)
    assert refused.value.status == 409


def test_a_running_job_stops_at_its_next_check_when_cancelled(job, monkeypatch):
    handled_by(monkeypatch, cancelled_while_running)
    assert jobs.execute(job.pk, worker="w").status == "cancelled"


def test_a_running_job_whose_heartbeat_stopped_is_failed_and_its_files_removed(job, tmp_path, settings):
    folder = tmp_path / "student-cnn" / "7"
    folder.mkdir(parents=True)
    jobs.claim(job.pk, worker="gone")
    Job.objects.filter(pk=job.pk).update(reserved=[str(folder)],
                                         heartbeat_at=timezone.now() - timedelta(seconds=settings.EDUAI_JOB_STALE_SECONDS + 1))
    assert jobs.reap_stale() == 1
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "worker_lost") and not folder.exists()
    with translation.override("es"):
        assert jobs.error_message(job).startswith("El proceso de fondo se detuvo")
    with translation.override("en"):
        assert jobs.error_message(job).startswith("The background process stopped")


def test_a_live_job_is_not_reaped(job):
    jobs.claim(job.pk, worker="alive")
    assert jobs.reap_stale() == 0 and Job.objects.get(pk=job.pk).status == "running"


def test_cancel_works_on_a_job_whose_worker_died(job, settings):
    jobs.claim(job.pk, worker="gone")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(
        seconds=3 * settings.EDUAI_JOB_HEARTBEAT_SECONDS + 1))
    assert jobs.cancel(job).status == "cancelled"  # at once: nobody is left to see the request


def test_a_restarting_worker_fails_the_jobs_it_was_running(job):
    jobs.claim(job.pk, worker="celery@laptop")
    other = jobs.start_job(kind=Job.Kind.SCORING, classroom=job.classroom, enqueue=False)
    jobs.claim(other.pk, worker="celery@other")
    jobs.on_worker_ready("celery@laptop")
    assert Job.objects.get(pk=job.pk).error_code == "worker_lost"
    assert Job.objects.get(pk=other.pk).status == "running"  # another worker's job is its own business
    assert WorkerBeat.objects.get(hostname="celery@laptop").started_at is not None


def test_the_beat_thread_beats_again_after_a_failed_beat(transactional_db, settings, monkeypatch):
    # transactional: the thread writes through its own connection, outside any test transaction
    settings.EDUAI_JOB_HEARTBEAT_SECONDS = 0.05
    calls = []
    real_beat = jobs.worker_beat

    def busy_then_fine(hostname):
        calls.append(hostname)
        if len(calls) == 1:
            raise OperationalError("canceling statement due to lock timeout")
        real_beat(hostname)

    monkeypatch.setattr(jobs, "worker_beat", busy_then_fine)
    thread = jobs.start_beating("celery@laptop")
    try:
        deadline = time.monotonic() + 10
        while not WorkerBeat.objects.filter(hostname="celery@laptop").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        thread.stopped.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(calls) >= 2 and jobs.worker_alive()  # the first beat failed, a later one got through


def test_pages_know_when_no_worker_is_alive(db, settings):
    assert not jobs.worker_alive()
    jobs.worker_beat("celery@laptop")
    assert jobs.worker_alive()
    WorkerBeat.objects.update(last_seen=timezone.now() - timedelta(seconds=settings.EDUAI_JOB_STALE_SECONDS + 1))
    assert not jobs.worker_alive()


def test_one_api_shape_for_every_job(api, job, student, teacher):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(teacher)
    body = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert {"id", "kind", "status", "stage", "progress", "error_code", "error", "result", "waiting_for_worker",
            "created_at", "started_at", "heartbeat_at", "finished_at"} <= set(body)
    assert body["waiting_for_worker"] is True  # queued, and no worker beat yet
    assert api.get(f"/api/v1/jobs/{job.pk}/").status_code == 200  # ana is in the class: class work is hers to see
    assert api.post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 403  # but only its teachers cancel it
    assert client.post(f"/api/v1/jobs/{job.pk}/cancel/").json()["status"] == "cancelled"


def test_a_simulation_whose_worker_died_does_not_block_the_next_one(classroom, teacher, settings):
    from PIL import Image

    from labeling.services import import_image, start_learning_curve
    from tests import images
    from tests.test_pipeline_training import halves

    pictures, labels = halves(40, size=16)
    for picture, label in zip(pictures, labels):
        import_image(classroom=classroom, content=images.encode(Image.fromarray(picture), "PNG"), name="p.png",
                     value="cat" if label == 0 else "dog")
    first = start_learning_curve(classroom=classroom, user=teacher)
    jobs.claim(first.pk, worker="killed")
    with pytest.raises(AppError) as busy:
        start_learning_curve(classroom=classroom, user=teacher)
    assert busy.value.code == "curve_running"  # while it beats, it is running
    Job.objects.filter(pk=first.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.EDUAI_JOB_STALE_SECONDS + 1))
    second = start_learning_curve(classroom=classroom, user=teacher)  # not 409 any more
    assert second.status == "queued" and Job.objects.get(pk=first.pk).error_code == "worker_lost"
