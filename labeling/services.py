from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from classifier.images import read_image
from classifier.models import StoredImage
from classifier.services import files_removed_on_failure, store_image
from labeling.models import Label


@dataclass(frozen=True)
class Imported:
    image: StoredImage
    new_image: bool
    label: Label | None


def import_image(*, content: bytes, name: str, value: str | None, user=None) -> Imported:
    """Store one picture through the upload checks (raises ImageRejected) and record its imported label."""
    image = read_image(content, max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES, max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
    with files_removed_on_failure() as written, transaction.atomic():
        existed = StoredImage.objects.filter(sha256=image.sha256).exists()
        stored = store_image(image, original_name=name, user=user, written=written)
        label = None
        if value is not None:
            label, _ = Label.objects.update_or_create(
                image=stored, source=Label.Source.IMPORT, user=user, defaults={"value": value}
            )
    return Imported(stored, not existed, label)
