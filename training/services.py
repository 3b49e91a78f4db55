"""Training runs: start (validated, with a dataset snapshot), execute in the worker, cancel."""
from __future__ import annotations

import shutil
import time
import traceback
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from classifier.models import StoredImage
from eduai.errors import AppError
from labeling.selectors import final_labels
from ml_models.models import ModelVersion
from training.models import TrainingRun
from training.pipeline.config import TrainingConfig, preset
from training.pipeline.data import Example

CANCEL_CHECK_SECONDS = 1.0


def dataset_snapshot(class_names) -> list[dict]:
    """The labelled images usable for these classes right now: [{"image_id", "sha256", "label"}], by hash."""
    labels = final_labels()
    images = StoredImage.objects.filter(pk__in=labels).only("id", "sha256")
    snapshot = [{"image_id": image.pk, "sha256": image.sha256, "label": labels[image.pk]}
                for image in images if labels[image.pk] in class_names]
    return sorted(snapshot, key=lambda item: item["sha256"])


def examples_from(snapshot: list[dict], class_names) -> list[Example]:
    """Pipeline examples (file path and class index) for a stored snapshot."""
    files = dict(StoredImage.objects.filter(pk__in=[item["image_id"] for item in snapshot]).values_list("id", "file"))
    media = Path(settings.MEDIA_ROOT)
    return [Example(item["sha256"], media / files[item["image_id"]], list(class_names).index(item["label"]))
            for item in snapshot]


def next_version(name: str) -> int:
    """One more than the highest version of `name` in the registry or on disk."""
    registered = ModelVersion.objects.filter(name=name).aggregate(top=Max("version"))["top"] or 0
    folder = settings.MODELS_DIR / name
    on_disk = max((int(path.name) for path in folder.iterdir() if path.name.isdigit()), default=0) if folder.is_dir() else 0
    return max(registered, on_disk) + 1


def reserve_version(name: str) -> tuple[int, Path]:
    """The next version of `name` and its folder, created now: two runs training at once (several
    workers) never get the same number, though each only writes its files minutes later."""
    while True:
        version = next_version(name)
        folder = settings.MODELS_DIR / name / str(version)
        try:
            folder.mkdir(parents=True)
        except FileExistsError:  # taken by another run between the two lines above
            continue
        return version, folder


def model_name(config: TrainingConfig) -> str:
    return config.family.replace("_", "-")


def build_config(*, config: dict | None = None, preset_name: str | None = None) -> TrainingConfig:
    """A validated config from a preset (with overrides) or from plain data; AppError if invalid."""
    try:
        if preset_name:
            return preset(preset_name, **(config or {}))
        return TrainingConfig.from_dict(config or {})
    except (ValueError, TypeError) as error:
        raise AppError("run_refused", _("Invalid training settings: %(error)s") % {"error": error}) from error


def start_run(*, config: TrainingConfig, user=None, enqueue: bool = True) -> TrainingRun:
    """Record a queued run with its data snapshot and (unless told not to) hand it to the worker
    once committed; `manage.py train` executes it itself."""
    from training.tasks import execute_training_run

    snapshot = dataset_snapshot(config.class_names)
    counts = {name: sum(item["label"] == name for item in snapshot) for name in config.class_names}
    if min(counts.values()) < 5:
        raise AppError("run_refused", _("Each class needs at least 5 labelled images (now: %(counts)s).") % {
            "counts": ", ".join(f"{name} {count}" for name, count in counts.items())})
    with transaction.atomic():
        run = TrainingRun.objects.create(
            config=config.to_dict(), dataset=snapshot, created_by=user,
            parent_version=ModelVersion.objects.filter(is_active=True).first(),
        )
        if enqueue:
            transaction.on_commit(lambda: execute_training_run.delay(run.pk))
    return run


def cancel_run(*, run: TrainingRun) -> TrainingRun:
    """A queued run is cancelled at once; a running one stops at its next batch."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run.pk)
        if run.is_finished:
            raise AppError("run_finished", _("This run has already finished."), 409)
        if run.status == TrainingRun.Status.QUEUED:
            run.status, run.finished_at = TrainingRun.Status.CANCELLED, timezone.now()
        run.cancel_requested = True
        run.save(update_fields=["status", "finished_at", "cancel_requested"])
    return run


def execute_run(run_id: int, *, listener=None) -> TrainingRun:
    """The worker's side: run the pipeline, saving progress as it goes. Safe to call twice: only a
    queued run is started, and a failed or cancelled one never registers a model."""
    from ml_models.services import register_version
    from training.pipeline.run import run_pipeline
    from training.pipeline.train import Cancelled

    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        if run.status != TrainingRun.Status.QUEUED:
            return run
        run.status, run.started_at = TrainingRun.Status.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])

    config = TrainingConfig.from_dict(run.config)
    name = model_name(config)
    version, folder = reserve_version(name)
    progress = _Progress(run, listener)
    try:
        result = run_pipeline(config, examples_from(run.dataset, config.class_names), folder, name=name,
                              version=version, on_stage=progress.stage, on_epoch=progress.epoch,
                              should_stop=progress.cancel_requested)
        registered = register_version(folder=folder, activate_if_none_active=False)
        registered.metrics = {**registered.metrics, "labels": len(run.dataset)}
        registered.save(update_fields=["metrics"])
    except Cancelled:
        shutil.rmtree(folder, ignore_errors=True)
        return progress.finish(TrainingRun.Status.CANCELLED, error=_("Cancelled on request."))
    except Exception as error:  # every failure is reported on the run, never half-registered
        shutil.rmtree(folder, ignore_errors=True)
        progress.log(traceback.format_exc())
        return progress.finish(TrainingRun.Status.FAILED, error=f"{type(error).__name__}: {error}")
    run.model_version = registered
    run.results = {
        "splits": result.splits, "test": result.test_metrics, "cross_validation": result.cross_validation,
        "overfitting_epoch": result.overfitting_epoch, "artifacts": result.artifacts, "pruning": result.pruning,
        "parity": result.parity,
    }
    run.timings = result.timings_s
    run.save(update_fields=["model_version", "results", "timings"])
    return progress.finish(TrainingRun.Status.SUCCEEDED)


class _Progress:
    """Writes the run's stage, progress, curves and log to the database as the pipeline reports them."""

    def __init__(self, run: TrainingRun, listener=None):
        self.run, self.listener, self._checked_at, self._cancel = run, listener, 0.0, False

    def stage(self, stage: str, progress: float) -> None:
        if self.listener:
            self.listener.stage(stage, progress)
        self.run.stage, self.run.progress = stage, progress
        self.log(f"stage {stage}")
        self.run.save(update_fields=["stage", "progress", "log"])

    def epoch(self, stage: str, epoch: int, row: dict) -> None:
        if self.listener:
            self.listener.epoch(stage, epoch, row)
        self.run.history = [*self.run.history, row]
        self.log(f"{stage} epoch {epoch}: " + ", ".join(f"{k}={v:.4f}" for k, v in row.items() if isinstance(v, float)))
        self.run.save(update_fields=["history", "log"])

    def log(self, line: str) -> None:
        self.run.log += f"[{timezone.now():%H:%M:%S}] {line}\n"

    def cancel_requested(self) -> bool:
        """Asked after every batch; reads the database at most once a second."""
        if not self._cancel and time.monotonic() - self._checked_at >= CANCEL_CHECK_SECONDS:
            self._checked_at = time.monotonic()
            self._cancel = TrainingRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists()
        return self._cancel

    def finish(self, status: str, *, error: str = "") -> TrainingRun:
        self.run.status, self.run.error, self.run.finished_at = status, error, timezone.now()
        if status == TrainingRun.Status.SUCCEEDED:
            self.run.progress, self.run.stage = 1.0, "done"
        self.log(f"{status}{': ' + error if error else ''}")
        self.run.save(update_fields=["status", "error", "finished_at", "progress", "stage", "log"])
        return self.run


PREVIEW_SALT = "training.augmentation-preview"


def preview_token(*, task_id: str, user) -> str:
    """What the client polls with: the worker task's id, signed together with who asked for it."""
    return signing.dumps({"task": task_id, "user": user.pk}, salt=PREVIEW_SALT)


def preview_task(*, token: str, user) -> str | None:
    """The worker task behind a preview token, if it is genuine and `user` asked for it."""
    try:
        data = signing.loads(token, salt=PREVIEW_SALT)
    except signing.BadSignature:
        return None
    return data["task"] if data.get("user") == user.pk else None
