from rest_framework import serializers

from ml_models.models import ModelVersion


class ModelVersionOutput(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()
    training_run = serializers.IntegerField(source="training_run.pk", default=None)

    class Meta:
        model = ModelVersion
        fields = ["id", "name", "version", "kind", "is_active", "sha256", "signature", "metrics", "files",
                  "training_run", "created_at"]

    def get_files(self, version) -> list[str]:
        from ml_models.artifacts import Manifest
        from django.conf import settings

        try:
            return sorted(Manifest.read(settings.MODELS_DIR / version.artifact_dir).files)
        except Exception:  # noqa: BLE001 - a missing folder lists no files
            return []
