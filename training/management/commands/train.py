"""Run the training pipeline synchronously on the labelled images (for notebooks and cloud jobs)."""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from training.models import TrainingRun
from training.pipeline.config import PRESETS
from eduai.errors import AppError
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

    def handle(self, *args, preset: str | None, config: Path | None, **options):
        try:
            data = json.loads(config.read_text()) if config else None
            run = start_run(config=build_config(config=data, preset_name=preset), enqueue=False)
        except (OSError, json.JSONDecodeError, AppError) as error:
            raise CommandError(getattr(error, "detail", None) or str(error)) from error
        self.stdout.write(f"training run #{run.pk} on {len(run.dataset)} labelled images")
        with tqdm(total=100, unit="%", disable=options["verbosity"] == 0) as bar:
            run = execute_run(run.pk, listener=_Bar(bar))
            bar.n = 100
        if run.status != TrainingRun.Status.SUCCEEDED:
            raise CommandError(f"run #{run.pk} {run.status}: {run.error}")
        test = run.results["test"]
        self.stdout.write(self.style.SUCCESS(
            f"{run.model_version}: test accuracy {test['accuracy']:.1%} on {test['count']} images; "
            f"stages {run.timings} s"
        ))
