from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from eduai.errors import AppError
from ml_models.artifacts import ONNX_FILE, Manifest
from ml_models.models import Activation, ModelVersion
from ml_models.runtime import IMAGENET_KIND, LoadedModel

SERVED_CLASSES = {"cat", "dog"}


def _refused(detail) -> AppError:
    return AppError("activation_refused", detail, 409)


@transaction.atomic
def register_version(*, folder: Path, activate_if_none_active: bool = True) -> ModelVersion:
    """Record (once) the artifact folder's model version; verify its checksums first."""
    manifest = Manifest.read(folder)
    manifest.verify(folder)
    version, _ = ModelVersion.objects.get_or_create(
        name=manifest.name,
        version=manifest.version,
        defaults={
            "kind": manifest.kind,
            "artifact_dir": str(folder.relative_to(settings.MODELS_DIR)),
            "sha256": manifest.files[ONNX_FILE],
            "signature": manifest.signature,
            "metrics": manifest.metrics,
        },
    )
    if activate_if_none_active and not ModelVersion.objects.filter(is_active=True).exists():
        version.is_active = True
        version.save(update_fields=["is_active"])
    return version


def check_servable(version: ModelVersion) -> None:
    """Raise AppError ("activation_refused") unless the version's files match their checksums, load in ONNX
    Runtime and run, passed their parity check, and answer cat vs dog."""
    try:
        model = LoadedModel.load(settings.MODELS_DIR / version.artifact_dir, version_id=version.pk)
        width, height = model.input_size
        probabilities = model.predict(np.zeros((1, height, width, 3), np.uint8))["probabilities"]
    except Exception as error:
        raise _refused(_("The model's files are missing, damaged or do not load: %(error)s") % {"error": error}) from error
    if not np.isfinite(probabilities).all():
        raise _refused(_("The model gives invalid numbers."))
    if not version.metrics.get("parity", {}).get("passed"):
        raise _refused(_("The model's export did not pass its parity check against Keras."))
    if model.kind != IMAGENET_KIND and not SERVED_CLASSES <= set(model.class_names):
        raise _refused(_("The model must have the classes cat and dog."))


def activate_version(*, version: ModelVersion, user=None, is_rollback: bool = False) -> ModelVersion:
    """Make `version` the one every web process serves from its next request on (checked first, outside
    the transaction: hashing and loading the files must not hold the database's write lock)."""
    check_servable(version)
    with transaction.atomic():
        current = ModelVersion.objects.select_for_update().filter(is_active=True).first()
        if current is not None and current.pk == version.pk:
            return version
        if current is not None:
            current.is_active = False
            current.save(update_fields=["is_active"])
        version.is_active = True
        version.save(update_fields=["is_active"])
        Activation.objects.create(version=version, previous=current, activated_by=user, is_rollback=is_rollback)
    return version


def rollback(*, user=None) -> ModelVersion:
    """Go back to the version that was active before the current one."""
    last = Activation.objects.filter(version__is_active=True).select_related("previous").first()
    if last is None or last.previous is None:
        raise AppError("rollback_refused", _("There is no previous version to go back to."), 409)
    return activate_version(version=last.previous, user=user, is_rollback=True)
