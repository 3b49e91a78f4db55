from rest_framework import serializers

from eduai import jobs
from eduai.serializers import JobOutput
from training.models import TrainingRun
from training.pipeline.config import PRESETS
from training.pipeline.evaluate import read_curves


class RunInput(serializers.Serializer):
    preset = serializers.ChoiceField(choices=sorted(PRESETS), required=False,
                                     help_text="A named configuration; `config` then overrides its fields.")
    config = serializers.DictField(required=False, help_text="TrainingConfig fields (see docs/training.md).")


class RunOutput(serializers.ModelSerializer):
    """A training run; its lifecycle fields come from its job (also at /api/v1/jobs/{job}/)."""

    status = serializers.CharField(source="job.status")
    status_display = serializers.CharField(source="job.get_status_display")
    stage = serializers.CharField(source="job.stage")
    stage_display = serializers.SerializerMethodField()
    progress = serializers.FloatField(source="job.progress", help_text="0-1")
    error = serializers.SerializerMethodField()
    cancel_requested = serializers.BooleanField(source="job.cancel_requested")
    started_at = serializers.DateTimeField(source="job.started_at", allow_null=True)
    finished_at = serializers.DateTimeField(source="job.finished_at", allow_null=True)
    model_version = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", default=None)
    dataset_size = serializers.SerializerMethodField()
    waiting_for_worker = serializers.SerializerMethodField()
    curves = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields = ["id", "job", "classroom", "status", "status_display", "stage", "stage_display", "progress",
                  "config", "dataset_size", "history", "curves", "results", "timings", "error", "log", "cancel_requested",
                  "waiting_for_worker", "created_by", "model_version", "parent_version", "created_at", "started_at",
                  "finished_at"]

    def get_stage_display(self, run) -> str:
        return jobs.stage_label(run.job)

    def get_error(self, run) -> str:
        return jobs.error_message(run.job)

    def get_waiting_for_worker(self, run) -> bool:
        return JobOutput().get_waiting_for_worker(run.job)

    def get_model_version(self, run) -> dict | None:
        version = run.model_version
        return None if version is None else {"id": version.pk, "name": version.name, "version": version.version}

    def get_curves(self, run) -> dict:
        """What the learning curves say (evaluate.read_curves): stored with a finished run; read from
        the epochs so far while it trains, and for runs stored before it existed."""
        stored = (run.results or {}).get("curves")
        return stored or read_curves(run.history or [], restores_best=bool(run.config.get("patience")))

    def get_dataset_size(self, run) -> int:
        return sum(item["label"] in run.config["class_names"] for item in run.dataset)


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
    count = serializers.IntegerField(min_value=1, max_value=12, default=8, help_text="how many augmented versions")
