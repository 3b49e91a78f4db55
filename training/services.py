"""Training runs of a class: start (validated, with a dataset snapshot), cancel, and the helpers the
worker's job uses (training/jobs.py). A run's lifecycle is its job's (eduai/jobs.py)."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from classifier.models import StoredImage
from eduai import jobs
from eduai.errors import AppError
from eduai.models import Job
from labeling.selectors import final_labels
from ml_models.models import ModelVersion
from ml_models.selectors import serving_version
from training.models import TrainingRun
from training.pipeline.config import TrainingConfig, preset
from training.pipeline.data import Example

NEITHER = "neither"  # pictures settled as neither: not training data, but they calibrate the unusual threshold


def dataset_snapshot(classroom, class_names) -> list[dict]:
    """The class's pictures usable now: [{"image_id", "sha256", "label"}] by hash, for the classes and
    (for the unusual threshold) the pictures settled as neither."""
    labels = final_labels(classroom)
    wanted = {*class_names, NEITHER}
    images = StoredImage.objects.filter(pk__in=labels).only("id", "sha256")
    snapshot = [{"image_id": image.pk, "sha256": image.sha256, "label": labels[image.pk]}
                for image in images if labels[image.pk] in wanted]
    return sorted(snapshot, key=lambda item: item["sha256"])


def examples_from(snapshot: list[dict], class_names) -> tuple[list[Example], list[Example]]:
    """(training examples of the classes, "neither" pictures) for a stored snapshot."""
    files = dict(StoredImage.objects.filter(pk__in=[item["image_id"] for item in snapshot]).values_list("id", "file"))
    media = Path(settings.MEDIA_ROOT)
    names = list(class_names)
    examples = [Example(item["sha256"], media / files[item["image_id"]], names.index(item["label"]))
                for item in snapshot if item["label"] in names]
    others = [Example(item["sha256"], media / files[item["image_id"]], -1)
              for item in snapshot if item["label"] not in names]
    return examples, others


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


def start_run(*, classroom, config: TrainingConfig, user=None, enqueue: bool = True) -> TrainingRun:
    """Record a queued run of the class with its data snapshot, and (unless told not to) hand its job
    to the worker once committed; `manage.py train` executes it itself."""
    snapshot = dataset_snapshot(classroom, config.class_names)
    counts = {name: sum(item["label"] == name for item in snapshot) for name in config.class_names}
    if min(counts.values()) < 5:
        raise AppError("run_refused", _("Each class needs at least 5 labelled images (now: %(counts)s).") % {
            "counts": ", ".join(f"{name} {count}" for name, count in counts.items())})
    with transaction.atomic():
        job = jobs.start_job(kind=Job.Kind.TRAINING, classroom=classroom, owner=user, enqueue=enqueue,
                             params={"config": config.to_dict()})
        return TrainingRun.objects.create(
            classroom=classroom, job=job, config=config.to_dict(), dataset=snapshot, created_by=user,
            parent_version=serving_version(classroom=classroom))


def cancel_run(*, run: TrainingRun) -> TrainingRun:
    """A queued run is cancelled at once (and one whose worker died); a running one stops at its next batch."""
    if run.job.is_finished:
        raise AppError("run_finished", _("This run has already finished."), 409)
    run.job = jobs.cancel(run.job)
    return run


def execute_run(run: TrainingRun, *, listener=None) -> TrainingRun:
    """Run a queued run in this process (`manage.py train`), as a worker would, reporting to `listener`."""
    jobs.execute(run.job_id, worker="manage.py train", listener=listener)
    return TrainingRun.objects.select_related("job", "model_version").get(pk=run.pk)
