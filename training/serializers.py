from rest_framework import serializers

from eduai import jobs
from eduai.serializers import JobOutput
from training import selectors
from training.models import TrainingRun
from training.pipeline.config import PRESETS


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
        """What the learning curves say (selectors.curves_of)."""
        return selectors.curves_of(run)

    def get_dataset_size(self, run) -> int:
        return sum(item["label"] in run.config["class_names"] for item in run.dataset)


class ProbeOutput(serializers.Serializer):
    image_id = serializers.IntegerField(help_text="A picture of the class (its file: `url`).")
    url = serializers.CharField(help_text="The class picture's file, for the class's members.")
    split = serializers.ChoiceField(choices=["train", "validation"], help_text="Which split the picture was in.")
    label = serializers.CharField(help_text="Its human label in the run's dataset (one of the class names).")


class ProbeAnswerOutput(serializers.Serializer):
    label = serializers.CharField(help_text="The model's answer: the likelier of cat and dog.")
    probabilities = serializers.DictField(child=serializers.FloatField(), help_text="Softmax over the run's class "
                                          "names, 3 decimals.")
    cam = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()), help_text=(
        "Heatmap of the answer against the other of cat and dog, rows x cols of the last feature maps, each cell in "
        "[0, 1] (scaled to the photo's own maximum, as an analysis's grid), 3 decimals."))
    strongest = serializers.FloatField(help_text=(
        "The strongest cell's evidence for the answer, in logits: cam x strongest is each cell's evidence, so maps "
        "can be drawn on one scale for the whole run (the run page's default)."))


class EpochAnswersOutput(serializers.Serializer):
    epoch = serializers.IntegerField(help_text="As in the run's history (numbered across stages from 1).")
    stage = serializers.CharField(help_text="train, head or fine_tune")
    answers = ProbeAnswerOutput(many=True, help_text="One per probe, in the order of `probes`.")


class TimeMachineOutput(serializers.Serializer):
    """A run's overfitting time machine: its probe photos and, after every epoch, the model's answer and
    heatmap for each (training/pipeline/probes.py)."""

    run = serializers.IntegerField()
    family = serializers.CharField()
    probes = ProbeOutput(many=True)
    hidden = serializers.IntegerField(help_text="Probes not shown to you: gold pictures, pictures you have not "
                                      "labelled yet, or pictures no longer in the class.")
    epochs = EpochAnswersOutput(many=True)
    turning_epoch = serializers.IntegerField(allow_null=True, help_text=(
        "The epoch after which validation loss rises (the lowest validation loss, when a later epoch is higher)."))
    curves = serializers.DictField(help_text="What the learning curves say, as in the run's `curves`.")
    history = serializers.ListField(child=serializers.DictField(), help_text=(
        "Per epoch: stage, epoch, loss, val_loss, accuracy, val_accuracy (the run's history)."))


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
