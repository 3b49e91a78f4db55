from ml_models.models import ModelVersion


def active_version() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_active=True).only("id", "artifact_dir").first()
