"""Worker tasks for model versions."""
from celery import shared_task
from django.conf import settings

from ml_models.models import ModelVersion
from ml_models.runtime import LoadedModel


@shared_task
def verify_version(version_id: int) -> dict:
    """Re-check a version's checksums and run it once on a blank picture, in the worker."""
    import numpy as np

    version = ModelVersion.objects.get(pk=version_id)
    model = LoadedModel.load(settings.MODELS_DIR / version.artifact_dir, version_id=version.id)
    width, height = model.input_size
    outputs = model.predict(np.zeros((1, height, width, 3), dtype=np.uint8))
    return {"version": str(version), "sha256": version.sha256, "probabilities_sum": float(outputs["probabilities"].sum())}
