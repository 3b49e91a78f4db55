"""Turning the labelled images into a training dataset, and recording what a run produced."""
from pathlib import Path

from django.conf import settings
from django.db.models import Max

from classifier.models import StoredImage
from labeling.selectors import agreed_labels
from ml_models.models import ModelVersion
from training.pipeline.data import Example


def dataset_snapshot(class_names) -> list[dict]:
    """The labelled images usable for these classes right now: [{"image_id", "sha256", "label"}], by hash."""
    labels = agreed_labels()
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
