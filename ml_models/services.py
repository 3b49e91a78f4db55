from pathlib import Path

from django.conf import settings
from django.db import transaction

from ml_models.artifacts import ONNX_FILE, Manifest
from ml_models.models import ModelVersion


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
