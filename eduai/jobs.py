"""Background jobs: one lifecycle for everything the worker does, and jobs that cannot hang.

`start_job` records a queued job and hands it to the worker when the transaction commits. The
worker's `execute` claims it (only a queued job starts: a message delivered twice does nothing),
runs its kind's handler with a `Progress`, writes a heartbeat every few seconds from a thread, and
finishes it; a failed or cancelled job's reserved files are removed.

A job whose worker died (killed, out of memory, the machine switched off) stops beating: whoever
looks next (a page, the API, a starting job, any worker's own beat) marks it failed with
"worker_lost" and removes its reserved files, so nothing waits on it forever. A restarting worker
fails the jobs it was running before it stopped. Workers also beat for themselves, so pages can
say when no worker is running instead of leaving work queued silently.
"""
from __future__ import annotations

import logging
import shutil
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eduai.errors import AppError
from eduai.models import Job, WorkerBeat

log = logging.getLogger(__name__)
RUN_JOB_TASK = "eduai.run_job"  # eduai/tasks.py: the one task behind every job
WORKER_LOST = "worker_lost"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class JobKind:
    handler: str  # dotted path of `handler(job, progress) -> dict | None` (the job's result)
    stages: dict = field(default_factory=dict)  # stage code -> words shown to people


KINDS = {
    Job.Kind.TRAINING: JobKind("training.jobs.run_training", {
        "data": gettext_lazy("loading the images"), "cross_validation": gettext_lazy("cross-validation"),
        "fit": gettext_lazy("training"), "evaluate": gettext_lazy("evaluating on the test split"),
        "export": gettext_lazy("exporting to ONNX"), "calibrate": gettext_lazy("calibrating the unusual threshold"),
        "optimize": gettext_lazy("pruning and quantizing"), "register": gettext_lazy("registering the version"),
        "done": gettext_lazy("done")}),
    Job.Kind.LEARNING_CURVE: JobKind("labeling.jobs.run_learning_curve", {
        "embed": gettext_lazy("computing embeddings"), "simulate": gettext_lazy("training classifiers")}),
    Job.Kind.AUGMENTATION_PREVIEW: JobKind("training.jobs.run_augmentation_preview", {
        "augment": gettext_lazy("augmenting the picture")}),
    Job.Kind.SCORING: JobKind("labeling.jobs.run_scoring", {"score": gettext_lazy("scoring the pictures")}),
    Job.Kind.SANITY_CHECK: JobKind("inside.services.run_sanity_check", {
        "randomise": gettext_lazy("randomising the top layers")}),
}
ERROR_MESSAGES = {
    WORKER_LOST: gettext_lazy("The background process stopped before finishing (it was shut down or crashed). "
                              "Start it again."),
    CANCELLED: gettext_lazy("Cancelled on request."),
}


class Cancelled(Exception):
    """A handler stops because someone cancelled its job."""


def stale_after() -> timedelta:
    return timedelta(seconds=settings.EDUAI_JOB_STALE_SECONDS)


# ------------------------------------------------------------------------------------------ start

def start_job(*, kind: str, classroom=None, owner=None, params: dict | None = None, enqueue: bool = True) -> Job:
    """Record a queued job; the worker receives it once the surrounding transaction commits."""
    job = Job.objects.create(kind=kind, classroom=classroom, owner=owner, params=params or {})
    if enqueue:
        from eduai.celery import app

        transaction.on_commit(lambda: app.send_task(RUN_JOB_TASK, args=[job.pk]))
    return job


def active_jobs(*, kind: str, classroom=None):
    """Queued and running jobs of a kind (after failing the dead ones), e.g. to refuse a second one."""
    reap_stale()
    return Job.objects.filter(kind=kind, classroom=classroom, status__in=[Job.Status.QUEUED, Job.Status.RUNNING])


# ---------------------------------------------------------------------------------------- execute

class Progress:
    """What a handler reports through: stage and progress, partial results, cancellation, reserved paths."""

    CANCEL_CHECK_SECONDS = 1.0

    def __init__(self, job: Job):
        self.job = job
        self._checked_at, self._cancel = 0.0, False

    def stage(self, stage: str, progress: float | None = None) -> None:
        self.job.stage = stage
        fields = ["stage"]
        if progress is not None:
            self.job.progress = max(0.0, min(1.0, progress))
            fields.append("progress")
        Job.objects.filter(pk=self.job.pk).update(**{name: getattr(self.job, name) for name in fields})

    def update(self, *, progress: float | None = None, **result) -> None:
        """Set the progress (0-1) and merge `result` into the job's result, for pollers to show."""
        if progress is not None:
            self.job.progress = max(0.0, min(1.0, progress))
        self.job.result = {**self.job.result, **result}
        Job.objects.filter(pk=self.job.pk).update(progress=self.job.progress, result=self.job.result)

    def reserve(self, path: Path) -> None:
        """A file or folder this job is writing: removed if the job fails, is cancelled or its worker dies."""
        self.job.reserved = [*self.job.reserved, str(path)]
        Job.objects.filter(pk=self.job.pk).update(reserved=self.job.reserved)

    def release(self) -> None:
        """The reserved paths are now the job's lasting output (a registered version): keep them."""
        self.job.reserved = []
        Job.objects.filter(pk=self.job.pk).update(reserved=[])

    def should_stop(self) -> bool:
        """True once someone asked to cancel; reads the database at most once a second."""
        if not self._cancel and time.monotonic() - self._checked_at >= self.CANCEL_CHECK_SECONDS:
            self._checked_at = time.monotonic()
            self._cancel = Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()
        return self._cancel

    def raise_if_cancelled(self) -> None:
        if self.should_stop():
            raise Cancelled()


class _Heartbeat(threading.Thread):
    """Writes the job's heartbeat every few seconds while its handler runs (own database connection)."""

    def __init__(self, job_id: int):
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.job_id, self.stopped = job_id, threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.EDUAI_JOB_HEARTBEAT_SECONDS):
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now())
                except Exception:  # noqa: BLE001 - a beat that could not be written (database busy): the next one
                    log.warning("heartbeat of job %s not written", self.job_id, exc_info=True)
        finally:
            connection.close()


def claim(job_id: int, *, worker: str) -> Job | None:
    """Mark a queued job running on `worker`; None if it is not queued any more (cancelled, or a
    duplicate delivery of a job already started)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, worker=worker)
    return Job.objects.get(pk=job_id) if claimed else None


def execute(job_id: int, *, worker: str, **handler_options) -> Job:
    """Run a queued job to its end in this process (the worker's task calls this; a command may pass
    its handler options, such as a progress listener)."""
    job = claim(job_id, worker=worker)
    if job is None:
        return Job.objects.get(pk=job_id)
    heartbeat = _Heartbeat(job.pk)
    heartbeat.start()
    progress = Progress(job)
    try:
        result = import_string(KINDS[job.kind].handler)(job, progress, **handler_options)
    except Cancelled:
        return finish(job, Job.Status.CANCELLED, error_code=CANCELLED)
    except AppError as error:
        return finish(job, Job.Status.FAILED, error_code=error.code, error=error.detail)
    except Exception as error:  # every failure is reported on the job; the worker goes on
        log.exception("job %s failed", job.pk)
        return finish(job, Job.Status.FAILED, error_code="error", error=f"{type(error).__name__}: {error}",
                      details=traceback.format_exc())
    finally:
        heartbeat.stopped.set()
        heartbeat.join(timeout=5)
    job.result = {**job.result, **(result or {})}
    return finish(job, Job.Status.SUCCEEDED)


def finish(job: Job, status: str, *, error_code: str = "", error: str = "", details: str = "") -> Job:
    """End a running job (a job already ended elsewhere, e.g. failed by the reaper, stays as it is)."""
    fields = {"status": status, "error_code": error_code, "error": error, "finished_at": timezone.now()}
    if status == Job.Status.SUCCEEDED:
        fields.update(progress=1.0, result=job.result)
    elif details:
        fields["result"] = {**job.result, "traceback": details}
    ended = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(**fields)
    job.refresh_from_db()
    if ended and status != Job.Status.SUCCEEDED:
        remove_reserved(job)
    return job


def remove_reserved(job: Job) -> None:
    for path in job.reserved:
        path = Path(path)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    Job.objects.filter(pk=job.pk).update(reserved=[])
    job.reserved = []


# ----------------------------------------------------------------------------------------- cancel

def cancel(job: Job) -> Job:
    """A queued job is cancelled at once, and so is a running one whose heartbeat stopped (its worker
    died); a live one stops at its next check (a batch of training, a picture scored)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.is_finished:
            raise AppError("job_finished", _("This job has already finished."), 409)
        job.cancel_requested = True
        fields = ["cancel_requested"]
        if job.status == Job.Status.QUEUED or _stopped_beating(job):
            job.status, job.error_code, job.finished_at = Job.Status.CANCELLED, CANCELLED, timezone.now()
            fields += ["status", "error_code", "finished_at"]
        job.save(update_fields=fields)
    if job.status == Job.Status.CANCELLED:
        remove_reserved(job)
    return job


def _stopped_beating(job: Job) -> bool:
    """A live job beats every EDUAI_JOB_HEARTBEAT_SECONDS; three missed beats mean nobody runs it."""
    limit = timezone.now() - timedelta(seconds=3 * settings.EDUAI_JOB_HEARTBEAT_SECONDS)
    return job.status == Job.Status.RUNNING and (job.heartbeat_at is None or job.heartbeat_at < limit)


# ---------------------------------------------------------------------------------------- recover

def reap_stale(*, now=None) -> int:
    """Fail the running jobs whose heartbeat stopped (their worker died); returns how many."""
    limit = (now or timezone.now()) - stale_after()
    dead = list(Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=limit))
    return sum(_fail_lost(job) for job in dead)


def fail_jobs_of(worker: str) -> int:
    """At a worker's start: the jobs it was running before it stopped cannot be running any more."""
    return sum(_fail_lost(job) for job in Job.objects.filter(status=Job.Status.RUNNING, worker=worker))


def _fail_lost(job: Job) -> bool:
    ended = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=Job.Status.FAILED, error_code=WORKER_LOST, error="", finished_at=timezone.now())
    if ended:
        log.warning("job %s: its worker %s stopped; marked failed", job.pk, job.worker or "?")
        remove_reserved(job)
    return bool(ended)


def worker_alive() -> bool:
    """Has any worker said it is alive recently?"""
    return WorkerBeat.objects.filter(last_seen__gte=timezone.now() - stale_after()).exists()


def worker_beat(hostname: str) -> None:
    """A worker's periodic sign of life; it also fails the jobs of workers that stopped beating."""
    WorkerBeat.objects.update_or_create(hostname=hostname, defaults={"last_seen": timezone.now()})
    reap_stale()


class WorkerBeatThread(threading.Thread):
    """Started in each worker process when it is ready (eduai/celery.py)."""

    def __init__(self, hostname: str):
        super().__init__(name="worker-beat", daemon=True)
        self.hostname, self.stopped = hostname, threading.Event()

    def run(self) -> None:
        while True:
            try:
                close_old_connections()
                worker_beat(self.hostname)
            except Exception:  # noqa: BLE001 - try again at the next beat
                log.exception("worker beat failed")
            if self.stopped.wait(settings.EDUAI_JOB_HEARTBEAT_SECONDS):
                break
        connection.close()


def on_worker_ready(hostname: str) -> None:
    """A worker (re)started: what it was running before died with it."""
    fail_jobs_of(hostname)
    WorkerBeat.objects.update_or_create(hostname=hostname, defaults={"last_seen": timezone.now(),
                                                                      "started_at": timezone.now()})


def start_beating(hostname: str) -> WorkerBeatThread:
    thread = WorkerBeatThread(hostname)
    thread.start()
    return thread


# ------------------------------------------------------------------------------------------- read

def error_message(job: Job) -> str:
    """The job's error in the reader's language when it is one we know, else what the handler said."""
    return str(ERROR_MESSAGES[job.error_code]) if job.error_code in ERROR_MESSAGES else job.error


def stage_label(job: Job) -> str:
    stages = KINDS[job.kind].stages if job.kind in KINDS else {}
    return str(stages.get(job.stage, job.stage))
