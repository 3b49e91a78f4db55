"""Create (once) the pretrained model's artifacts and register its version; safe to run again."""
import hashlib
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image

from ml_models.core.calibration import in_calibration_split
from ml_models.core.contract import INPUT_SIZE
from ml_models.core.preprocess import load_rgb, to_model_input
from ml_models.networks import pretrained
from ml_models.services import register_version

PARITY_PHOTOS_PER_CLASS = 10
INT8_CALIBRATION_PHOTOS = {"cat": ("catsdogs/cat", "*.jpg", 32), "dog": ("catsdogs/dog", "*.jpg", 32),
                           "neither": ("not-catdog", "*.JPEG", 32)}  # group: (folder, pattern, how many)


def shared_parity_images(datasets_dir: Path) -> np.ndarray | None:
    """The first photos of each class in the shared cats/dogs folder, when it is there."""
    photos = []
    for label in ("cat", "dog"):
        folder = datasets_dir / "catsdogs" / label
        if folder.is_dir():
            photos += sorted(folder.glob("*.jpg"))[:PARITY_PHOTOS_PER_CLASS]
    if not photos:
        return None
    return np.stack([to_model_input(Image.open(path), (INPUT_SIZE, INPUT_SIZE)) for path in photos])


def shared_calibration_images(datasets_dir: Path) -> tuple[np.ndarray, str] | None:
    """Photos of the shared datasets that calibrate the pretrained INT8 graph, and those words for the
    manifest: in each group, the first files by sha256 among those whose sha256 starts with 0-7 (the
    split the unusual threshold was chosen on: ml_models/core/calibration.py)."""
    chosen, counts = [], {}
    for group, (subfolder, pattern, count) in INT8_CALIBRATION_PHOTOS.items():
        hashed = sorted((hashlib.sha256(path.read_bytes()).hexdigest(), path)
                        for path in (datasets_dir / subfolder).glob(pattern))
        paths = [path for digest, path in hashed if in_calibration_split(digest)][:count]
        chosen += paths
        counts[group] = len(paths)
    if not counts.get("cat") or not counts.get("dog"):
        return None
    images = np.stack([to_model_input(load_rgb(path), (INPUT_SIZE, INPUT_SIZE)) for path in chosen])
    return images, (f"{len(chosen)} photos of the shared datasets ({counts['cat']} cats, {counts['dog']} dogs, "
                    f"{counts['neither']} not-cat-dog ImageNet pictures): in each group the first by sha256 among "
                    "the files whose sha256 starts with 0-7 (the unusual threshold's calibration split)")


class Command(BaseCommand):
    help = ("Port EfficientNet-Lite0, export it to ONNX (FP32 and INT8), check parity and register it "
            "(idempotent).")

    def add_arguments(self, parser):
        parser.add_argument("--artifacts-only", action="store_true", help="Do not touch the database.")

    def handle(self, *args, artifacts_only=False, **options):
        folder = pretrained.artifact_dir(settings.MODELS_DIR)
        pretrained.prepare(
            settings.MODELS_DIR,
            parity_images=shared_parity_images(settings.SHARED_DATASETS_DIR),
            calibration=shared_calibration_images(settings.SHARED_DATASETS_DIR),
            log=lambda message: self.stdout.write(message),
        )
        if not artifacts_only:
            version = register_version(folder=folder)
            self.stdout.write(self.style.SUCCESS(f"{version} is registered: every class's default model"))
