"""Run the training pipeline synchronously: on a class's labelled images (records a training run), or in
job mode (`--data-dir`) on a folder of photos without the database, as a cloud training job does
(cloud/, docs/cloud.md)."""
import json
import os
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from eduai import classes, jobs
from eduai.errors import AppError
from eduai.models import Job
from ml_models.core.artifacts import ArtifactError, sha256_of
from training.pipeline.config import PRESETS, TrainingConfig
from training.pipeline.data import Example
from training.services import NEITHER, build_config, execute_run, model_name, start_run

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"}  # what an upload may be
METRICS_FILE = "metrics.json"
JOB_VERSION = 1  # a job's folder holds one version, and no registry numbers it
# Where the providers tell a training container to write its model (docs/cloud.md); the first one set wins.
OUTPUT_DIR_VARIABLES = ("AIP_MODEL_DIR", "SM_MODEL_DIR")
VERTEX_FUSE_ROOT = Path("/gcs")  # Vertex AI mounts Cloud Storage there: gs://BUCKET/x is /gcs/BUCKET/x


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


def output_dir_from(option: Path | None, environ=os.environ) -> Path:
    """--output-dir, else the folder the cloud provider names in its environment variable."""
    if option is not None:
        return option
    for variable in OUTPUT_DIR_VARIABLES:
        value = environ.get(variable)
        if value:
            if value.startswith("gs://"):
                return VERTEX_FUSE_ROOT / value.removeprefix("gs://")
            if "://" in value:
                raise CommandError(f"{variable} is {value}: only a local folder or a gs:// path can be written")
            return Path(value)
    raise CommandError(f"--output-dir is required (or set {' or '.join(OUTPUT_DIR_VARIABLES)}, as Vertex AI and "
                       f"SageMaker do)")


def image_folder(data_dir: Path, class_names) -> tuple[list, list, dict[str, int]]:
    """(examples of the classes, pictures that are neither, count per folder) of an ImageFolder layout:
    DATA_DIR/<class name>/*.jpg, and optionally DATA_DIR/neither/ to calibrate the unusual threshold."""
    if not data_dir.is_dir():
        raise CommandError(f"--data-dir {data_dir} is not a folder")
    folders = sorted(path for path in data_dir.iterdir() if path.is_dir() and not path.name.startswith("."))
    allowed = [*class_names, *([] if NEITHER in class_names else [NEITHER])]
    unknown = [folder.name for folder in folders if folder.name not in allowed]
    if unknown:
        raise CommandError(f"unknown class folders in {data_dir}: {', '.join(unknown)} "
                           f"(expected {', '.join(allowed)})")
    seen: dict[str, str] = {}  # sha256 -> folder: each picture once, with one label
    examples, others, counts = [], [], {}
    for folder in folders:
        label = list(class_names).index(folder.name) if folder.name in class_names else -1
        counts[folder.name] = 0
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in IMAGE_SUFFIXES or path.name.startswith(".") or not path.is_file():
                continue
            digest = sha256_of(path)
            if digest in seen:
                if seen[digest] != folder.name:
                    raise CommandError(f"{path} is also in {seen[digest]}/: a picture can have only one label")
                continue
            seen[digest] = folder.name
            counts[folder.name] += 1
            (examples if label >= 0 else others).append(Example(digest, path, label))
    empty = [name for name in class_names if not counts.get(name)]
    if empty:
        raise CommandError(f"no images for {', '.join(empty)} in {data_dir} (expected {data_dir}/<class>/*.jpg; "
                           f"accepted: {', '.join(sorted(IMAGE_SUFFIXES))})")
    return examples, others, counts


def _clear(folder: Path) -> None:
    """Empty a folder that was empty before the job (a mounted output folder must stay itself)."""
    for path in folder.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()


class Command(BaseCommand):
    help = ("Train a model with a preset or a JSON config file: on a class's labelled images (records a training "
            "run), or with --data-dir on a folder of photos, without the database (a cloud training job).")

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--preset", choices=sorted(PRESETS))
        source.add_argument("--config", type=Path, help="JSON file with TrainingConfig fields")
        parser.add_argument("--class", dest="classroom", help="The class (id or name) whose labels it learns from; "
                                                              "needed when there are several.")
        parser.add_argument("--data-dir", type=Path, help="Job mode: photos in DIR/<class name>/ (DIR/cat/, "
                                                          "DIR/dog/; DIR/neither/ optional), no database")
        parser.add_argument("--output-dir", type=Path,
                            help="Job mode: where the version's files, manifest.json and metrics.json are written "
                                 "(default: $AIP_MODEL_DIR or $SM_MODEL_DIR)")

    def handle(self, *args, preset: str | None, config: Path | None, classroom: str | None, data_dir: Path | None,
               output_dir: Path | None, **options):
        if data_dir is None:
            if output_dir is not None:
                raise CommandError("--output-dir works only with --data-dir (job mode)")
            return self._train_class(preset, config, classroom, options["verbosity"])
        if classroom is not None:
            raise CommandError("--class picks a class in the database; with --data-dir the labels are the folders")
        return self._train_job(preset, config, data_dir, output_dir, options["verbosity"])

    def _config(self, preset: str | None, config: Path | None) -> TrainingConfig:
        try:
            data = json.loads(config.read_text()) if config else None
            return build_config(config=data, preset_name=preset)
        except (OSError, ValueError, AppError) as error:
            raise CommandError(getattr(error, "detail", None) or str(error)) from error

    def _train_class(self, preset, config, classroom, verbosity):
        try:
            target = classes.for_command(classroom)
            run = start_run(classroom=target, config=self._config(preset, config), enqueue=False)
        except (ValueError, AppError) as error:
            raise CommandError(getattr(error, "detail", None) or str(error)) from error
        self.stdout.write(f"training run #{run.pk} on {len(run.dataset)} labelled images of {target}")
        with tqdm(total=100, unit="%", disable=verbosity == 0) as bar:
            run = execute_run(run, listener=_Bar(bar))
            bar.n = 100
        if run.job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"run #{run.pk} {run.job.status}: {jobs.error_message(run.job)}")
        test = run.results["test"]
        self.stdout.write(self.style.SUCCESS(
            f"{run.model_version}: test accuracy {test['accuracy']:.1%} on {test['count']} images; "
            f"stages {run.timings} s"
        ))

    def _train_job(self, preset, config, data_dir: Path, output_dir: Path | None, verbosity):
        """The same pipeline on files: no class, no run, no registry; the folder is the result."""
        settings = self._config(preset, config)
        folder = output_dir_from(output_dir)
        examples, others, counts = image_folder(data_dir, settings.class_names)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise CommandError(f"--output-dir {folder} must be an empty folder (or not exist yet)")
        folder.mkdir(parents=True, exist_ok=True)
        name = model_name(settings)
        self.stdout.write(f"training {name} on {len(examples)} images from {data_dir} "
                          f"({', '.join(f'{key} {value}' for key, value in counts.items())}) into {folder}")
        from training.pipeline.run import run_pipeline  # TensorFlow: only once the input is known to be good

        try:
            with tqdm(total=100, unit="%", disable=verbosity == 0) as bar:
                listener = _Bar(bar)
                result = run_pipeline(settings, examples, folder, name=name, version=JOB_VERSION, others=others,
                                      on_stage=listener.stage, on_epoch=listener.epoch)
                bar.n = 100
        except (ValueError, OSError, ArtifactError) as error:
            _clear(folder)
            raise CommandError(f"training failed: {error}") from error
        except BaseException:
            _clear(folder)
            raise
        test = result.test_metrics
        # a summary for the job's console; the manifest holds every metric and every file's sha256
        summary = {"name": name, "version": JOB_VERSION, "config": settings.to_dict(), "images": counts,
                   "splits": result.splits, "test": test, "parity_passed": result.parity["passed"],
                   "timings_s": result.timings_s, "manifest": "manifest.json"}
        (folder / METRICS_FILE).write_text(json.dumps(summary, indent=2, sort_keys=True))
        # the `test_accuracy=` part is what a SageMaker metric definition reads from the log (cloud/)
        self.stdout.write(self.style.SUCCESS(
            f"{name} v{JOB_VERSION}: test accuracy {test['accuracy']:.1%} on {test['count']} images "
            f"(test_accuracy={test['accuracy']:.4f}); files in {folder}"
        ))
