from django.conf import settings
from rest_framework import serializers

from ml_models.core.artifacts import Manifest
from ml_models.models import ModelVersion


class ModelVersionOutput(serializers.ModelSerializer):
    """A model version; in a class's list, `is_active` says whether it answers for that class now."""

    files = serializers.SerializerMethodField()
    training_run = serializers.IntegerField(source="training_run.pk", default=None)
    is_active = serializers.SerializerMethodField(help_text="answers for the class now (null outside a class)")
    servable = serializers.SerializerMethodField(help_text="follows today's model contract (older exports do not)")

    class Meta:
        model = ModelVersion
        fields = ["id", "name", "version", "kind", "classroom", "is_active", "servable", "sha256", "signature",
                  "metrics", "files", "training_run", "created_at"]

    def get_files(self, version) -> list[str]:
        try:
            return sorted(Manifest.read(settings.MODELS_DIR / version.artifact_dir).files)
        except Exception:  # noqa: BLE001 - a missing folder lists no files
            return []

    def get_is_active(self, version) -> bool | None:
        serving = self.context.get("serving")
        return None if serving is None else version.pk == serving.pk

    def get_servable(self, version) -> bool:
        from ml_models.core.contract import SCHEMA

        return (version.signature or {}).get("schema") == SCHEMA
