"""Writes for the model registry: register a version, check it can be served, activate and roll back
per class. The Django admin and the API call these same functions."""
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from eduai.errors import AppError
from ml_models.core.artifacts import ONNX_FILE, Manifest
from ml_models.core.inference import ServedModel
from ml_models.models import Activation, ModelVersion
from ml_models.selectors import activations_of, serving_version, was_ever_active


def _refused(detail, code: str = "activation_refused") -> AppError:
    return AppError(code, detail, 409)


@transaction.atomic
def register_version(*, folder: Path, classroom=None) -> ModelVersion:
    """Record (once) the artifact folder's model version; verify its checksums first."""
    manifest = Manifest.read(folder)
    manifest.verify(folder)
    version, _created = ModelVersion.objects.get_or_create(
        name=manifest.name,
        version=manifest.version,
        defaults={
            "kind": manifest.kind,
            "artifact_dir": str(folder.relative_to(settings.MODELS_DIR)),
            "sha256": manifest.files[ONNX_FILE],
            "signature": manifest.signature,
            "metrics": manifest.metrics,
            "classroom": classroom,
        },
    )
    return version


def check_servable(version: ModelVersion) -> None:
    """Raise AppError ("activation_refused") unless the version's files match their checksums, its
    signature follows the model contract, its graph loads in ONNX Runtime and gives finite numbers,
    and it passed its parity check."""
    try:
        model = ServedModel.load(settings.MODELS_DIR / version.artifact_dir, version_id=version.pk)
        width, height = model.input_size
        outputs = model.predict(np.zeros((1, height, width, 3), np.uint8))
    except Exception as error:
        raise _refused(_("The model's files are missing, damaged, in an older format or do not load: %(error)s")
                       % {"error": error}) from error
    if not all(np.isfinite(values).all() for values in outputs.values()):
        raise _refused(_("The model gives invalid numbers."))
    if not version.metrics.get("parity", {}).get("passed"):
        raise _refused(_("The model's export did not pass its parity check against Keras."))


def activate_version(*, version: ModelVersion, classroom, user=None, is_rollback: bool = False) -> ModelVersion:
    """Make `version` the one that answers for `classroom` from every web process's next request on.

    Checked first, outside the transaction (hashing and loading the files must not hold the
    database's write lock). A version trained for another class is refused.
    """
    if version.classroom_id not in (None, classroom.pk):
        raise _refused(_("This version was trained for another class."))
    check_servable(version)
    with transaction.atomic():
        locked = type(classroom).objects.select_for_update().get(pk=classroom.pk)
        current = serving_version(classroom=locked)
        if current is not None and current.pk == version.pk:
            return version
        locked.active_version = version
        locked.save(update_fields=["active_version"])
        Activation.objects.create(classroom=locked, version=version, previous=current, activated_by=user,
                                  is_rollback=is_rollback)
    classroom.active_version = version
    return version


def rollback(*, classroom, user=None) -> ModelVersion:
    """Go back to the version that answered for the class before the current one."""
    last = next(iter(activations_of(classroom, limit=1)), None)
    if last is None or last.previous is None:
        raise AppError("rollback_refused", _("There is no previous version to go back to."), 409)
    return activate_version(version=last.previous, classroom=classroom, user=user, is_rollback=True)


def can_delete(version: ModelVersion) -> bool:
    """A version may be deleted only if it never served a class or an analysis and no run produced it
    (the history stays true)."""
    from eduai.models import Classroom

    produced = hasattr(version, "training_run") and version.training_run is not None
    return not (produced or was_ever_active(version) or version.analysis_set.exists()
                or Classroom.objects.filter(active_version=version).exists())
