"""The worker's side of training jobs: a training run of a class, an augmentation preview.

TensorFlow is imported inside the handlers: only the worker (and `manage.py train`) runs them.
"""
from __future__ import annotations

import traceback

from django.db import transaction
from django.utils import timezone

from eduai import jobs
from training.models import TimeMachine, TrainingRun

PREVIEW_SIZE = 160  # px, the side of each augmented picture shown


class _RunReporter:
    """Writes the run's stage, progress, curves and log as the pipeline reports them."""

    def __init__(self, run: TrainingRun, progress: jobs.Progress, listener=None):
        self.run, self.progress, self.listener = run, progress, listener

    def stage(self, stage: str, fraction: float) -> None:
        if self.listener:
            self.listener.stage(stage, fraction)
        self.progress.stage(stage, fraction)
        self.log(f"stage {stage}")
        self.run.save(update_fields=["log"])

    def epoch(self, stage: str, epoch: int, row: dict) -> None:
        if self.listener:
            self.listener.epoch(stage, epoch, row)
        self.run.history = [*self.run.history, row]
        self.log(f"{stage} epoch {epoch}: " + ", ".join(f"{k}={v:.4f}" for k, v in row.items() if isinstance(v, float)))
        self.run.save(update_fields=["history", "log"])

    def log(self, line: str) -> None:
        self.run.log += f"[{timezone.now():%H:%M:%S}] {line}\n"


def run_training(job, progress: jobs.Progress, listener=None) -> dict:
    """Train, export and register a new version for the run's class; a failed or cancelled run
    registers nothing, and its reserved version folder is removed by the job."""
    from ml_models.services import register_version
    from training.pipeline.config import TrainingConfig
    from training.pipeline.run import run_pipeline
    from training.pipeline.train import Cancelled
    from training.services import examples_from, model_name, reserve_version

    run = TrainingRun.objects.get(job=job)
    config = TrainingConfig.from_dict(run.config)
    name = model_name(config)
    version, folder = reserve_version(name)
    progress.reserve(folder)
    reporter = _RunReporter(run, progress, listener)
    examples, others = examples_from(run.dataset, config.class_names)
    try:
        result = run_pipeline(config, examples, folder, name=name, version=version, others=others,
                              on_stage=reporter.stage, on_epoch=reporter.epoch, should_stop=progress.should_stop)
    except Cancelled as cancelled:
        reporter.log("cancelled")
        run.save(update_fields=["log"])
        raise jobs.Cancelled() from cancelled
    except Exception:
        reporter.log(traceback.format_exc())
        run.save(update_fields=["log"])
        raise
    progress.stage("register", 1.0)
    with transaction.atomic():
        registered = register_version(folder=folder, classroom=run.classroom)
        registered.metrics = {**registered.metrics, "labels": len(examples)}
        registered.save(update_fields=["metrics"])
        run.model_version = registered
        run.results = {
            "splits": result.splits, "test": result.test_metrics, "cross_validation": result.cross_validation,
            "curves": result.curves, "artifacts": result.artifacts, "pruning": result.pruning,
            "parity": result.parity, "unusual": result.unusual,
        }
        run.timings = result.timings_s
        if result.time_machine:
            TimeMachine.objects.create(run=run, **result.time_machine)  # its only copy (not in the manifest)
        reporter.log("succeeded")
        run.save(update_fields=["model_version", "results", "timings", "log"])
        progress.release()  # the folder is the version's now
    progress.stage("done", 1.0)
    return {"model_version": registered.pk}


def run_augmentation_preview(job, progress: jobs.Progress) -> dict:
    """`count` augmented versions of the owner's analysed picture as PNG data URLs (the Keras layers
    need TensorFlow, so this runs in the worker). Only its owner can see the result."""
    import base64
    import io

    from django.conf import settings
    from PIL import Image

    from classifier.models import Analysis
    from ml_models.core.preprocess import load_rgb, to_model_input
    from training.pipeline.augment import preview
    from training.pipeline.config import AugmentConfig

    progress.stage("augment")
    analysis = Analysis.objects.select_related("image").get(pk=job.params["analysis"], user=job.owner)
    picture = to_model_input(load_rgb(settings.MEDIA_ROOT / analysis.image.file.name), (PREVIEW_SIZE, PREVIEW_SIZE))
    urls = []
    for varied in preview(picture, AugmentConfig(**job.params["augment"]), count=job.params.get("count", 8),
                          seed=job.params.get("seed", 0)):
        buffer = io.BytesIO()
        Image.fromarray(varied).save(buffer, format="PNG")
        urls.append("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode())
    return {"images": urls}
