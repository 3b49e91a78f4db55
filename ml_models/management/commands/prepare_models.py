"""Create (once) the pretrained model's artifacts and register its version; safe to run again."""
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image

from ml_models.core.contract import INPUT_SIZE
from ml_models.core.preprocess import to_model_input
from ml_models.networks import pretrained
from ml_models.services import register_version

PARITY_PHOTOS_PER_CLASS = 10


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


class Command(BaseCommand):
    help = "Port EfficientNet-Lite0, export it to ONNX, check parity and register it (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--artifacts-only", action="store_true", help="Do not touch the database.")

    def handle(self, *args, artifacts_only=False, **options):
        folder = pretrained.artifact_dir(settings.MODELS_DIR)
        pretrained.prepare(
            settings.MODELS_DIR,
            parity_images=shared_parity_images(settings.SHARED_DATASETS_DIR),
            log=lambda message: self.stdout.write(message),
        )
        if not artifacts_only:
            version = register_version(folder=folder)
            self.stdout.write(self.style.SUCCESS(f"{version} is registered: every class's default model"))
