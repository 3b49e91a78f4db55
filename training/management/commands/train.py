"""Run the training pipeline synchronously on the labelled images (for notebooks and cloud jobs)."""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from eduai import classes, jobs
from eduai.errors import AppError
from eduai.models import Job
from training.pipeline.config import PRESETS
from training.services import build_config, execute_run, start_run


class _Bar:
    """Shows the run's stages and epochs in the terminal."""

    def __init__(self, bar: tqdm):
        self.bar = bar

    def stage(self, stage, progress):
        self.bar.n = round(progress * 100)
        self.bar.set_description(stage)

    def epoch(self, stage, epoch, row):
        self.bar.write(f"  {stage} epoch {epoch}: " + " ".join(
            f"{key}={value:.4f}" for key, value in row.items() if isinstance(value, float)))


class Command(BaseCommand):
    help = "Train a model on the labelled images with a preset or a JSON config file; records a training run."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--preset", choices=sorted(PRESETS))
        source.add_argument("--config", type=Path, help="JSON file with TrainingConfig fields")
        parser.add_argument("--class", dest="classroom", help="The class (id or name) whose labels it learns from; "
                                                              "needed when there are several.")

    def handle(self, *args, preset: str | None, config: Path | None, classroom: str | None, **options):
        try:
            target = classes.for_command(classroom)
            data = json.loads(config.read_text()) if config else None
            run = start_run(classroom=target, config=build_config(config=data, preset_name=preset), enqueue=False)
        except (OSError, ValueError, AppError) as error:
            raise CommandError(getattr(error, "detail", None) or str(error)) from error
        self.stdout.write(f"training run #{run.pk} on {len(run.dataset)} labelled images of {target}")
        with tqdm(total=100, unit="%", disable=options["verbosity"] == 0) as bar:
            run = execute_run(run, listener=_Bar(bar))
            bar.n = 100
        if run.job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"run #{run.pk} {run.job.status}: {jobs.error_message(run.job)}")
        test = run.results["test"]
        self.stdout.write(self.style.SUCCESS(
            f"{run.model_version}: test accuracy {test['accuracy']:.1%} on {test['count']} images; "
            f"stages {run.timings} s"
        ))
