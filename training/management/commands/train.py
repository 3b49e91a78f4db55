"""Run the training pipeline synchronously on the labelled images (for notebooks and cloud jobs)."""
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ml_models.services import register_version
from training import services
from training.pipeline.config import PRESETS, TrainingConfig, preset
from training.pipeline.run import run_pipeline


class Command(BaseCommand):
    help = "Train a model on the labelled images with a preset or a JSON config file, and register it."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--preset", choices=sorted(PRESETS))
        source.add_argument("--config", type=Path, help="JSON file with TrainingConfig fields")
        parser.add_argument("--name", help="Model name in the registry (default: the preset or the family)")

    def handle(self, *args, preset: str | None, config: Path | None, name: str | None, **options):
        training_config = self._config(preset, config)
        name = name or preset or training_config.family.replace("_", "-")
        snapshot = services.dataset_snapshot(training_config.class_names)
        if not snapshot:
            raise CommandError("there are no labelled images for these classes: import some with import_images")
        version = services.next_version(name)
        folder = settings.MODELS_DIR / name / str(version)
        self.stdout.write(f"training {name} v{version} on {len(snapshot)} labelled images -> {folder}")
        with tqdm(total=1.0, unit="", bar_format="{l_bar}{bar}| {desc}", disable=options["verbosity"] == 0) as bar:
            def on_stage(stage, progress):
                bar.n = progress
                bar.set_description(stage)

            def on_epoch(stage, epoch, row):
                bar.write("  " + " ".join(f"{key}={value:.4f}" if isinstance(value, float) else f"{key}={value}"
                                          for key, value in row.items()))

            try:
                result = run_pipeline(training_config, services.examples_from(snapshot, training_config.class_names),
                                      folder, name=name, version=version, on_stage=on_stage, on_epoch=on_epoch)
            except ValueError as error:
                raise CommandError(str(error)) from error
            bar.n = 1.0
            bar.set_description("done")
        (folder / "dataset.json").write_text(json.dumps(snapshot))
        registered = register_version(folder=folder, activate_if_none_active=False)
        metrics = result.test_metrics
        self.stdout.write(self.style.SUCCESS(
            f"{registered}: test accuracy {metrics['accuracy']:.1%} on {metrics['count']} images; "
            f"stages {result.timings_s} s"
        ))

    def _config(self, preset_name, path) -> TrainingConfig:
        try:
            if preset_name:
                return preset(preset_name)
            return TrainingConfig.from_dict(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError, ValueError, TypeError) as error:
            raise CommandError(f"invalid training config: {error}") from error
