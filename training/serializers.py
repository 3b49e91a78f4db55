from rest_framework import serializers

from training.models import TrainingRun
from training.pipeline.config import PRESETS


class RunInput(serializers.Serializer):
    preset = serializers.ChoiceField(choices=sorted(PRESETS), required=False,
                                     help_text="A named configuration; `config` then overrides its fields.")
    config = serializers.DictField(required=False, help_text="TrainingConfig fields (see docs/training.md).")


class RunOutput(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    model_version = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", default=None)
    dataset_size = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields = ["id", "status", "status_display", "stage", "progress", "config", "dataset_size", "history",
                  "results", "timings", "error", "log", "cancel_requested", "created_by", "model_version",
                  "parent_version", "created_at", "started_at", "finished_at"]

    def get_model_version(self, run) -> dict | None:
        version = run.model_version
        return None if version is None else {"id": version.pk, "name": version.name, "version": version.version}

    def get_dataset_size(self, run) -> int:
        return len(run.dataset)


class AugmentInput(serializers.Serializer):
    """Any subset of AugmentConfig's fields; the rest keep their defaults, and limits are checked there."""

    flip = serializers.BooleanField(required=False)
    rotation = serializers.FloatField(required=False, help_text="fraction of a full turn")
    zoom = serializers.FloatField(required=False)
    translation = serializers.FloatField(required=False)
    contrast = serializers.FloatField(required=False)
    brightness = serializers.FloatField(required=False)


class PreviewInput(serializers.Serializer):
    analysis = serializers.IntegerField(help_text="One of your analyses: its picture is augmented.")
    augment = AugmentInput(required=False)
    seed = serializers.IntegerField(min_value=0, max_value=10_000, default=0)


class PreviewOutput(serializers.Serializer):
    task_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", "done", "failed"])
    images = serializers.ListField(child=serializers.CharField(), help_text="PNG data URLs")
