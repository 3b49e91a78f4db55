from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from eduai import jobs
from labeling import learning_curve
from labeling.agreement import MIN_SHARED_IMAGES
from labeling.models import QUEUE_STRATEGIES, LabelingSettings, Strategy, Value
from labeling.selectors import GALLERY_FILTERS

QUEUE_CHOICES = [(s.value, s.label) for s in QUEUE_STRATEGIES]


class ImageOutput(serializers.Serializer):
    """A picture of a class. Its original file name only for the class's teachers, and only for
    pictures uploaded into the class (shared photos have none)."""

    id = serializers.IntegerField()
    sha256 = serializers.CharField()
    original_name = serializers.SerializerMethodField()
    width = serializers.IntegerField(help_text="pixels")
    height = serializers.IntegerField(help_text="pixels")
    added_at = serializers.DateTimeField(help_text="when it was shared or uploaded into the class")
    file_url = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(help_text="unlabeled, needs_labels, consensus, disputed, adjudicated, gold or dataset")
    final = serializers.SerializerMethodField(help_text="the settled label, once there is one")

    def get_file_url(self, image) -> str:
        return reverse("labeling:image-file", args=[self.context["classroom"].pk, image.pk])

    def get_original_name(self, image) -> str:
        return (getattr(image, "class_name", "") or "") if self.context.get("names") else ""

    def _state(self, image):
        return self.context.get("states", {}).get(image.pk)

    def get_status(self, image) -> str:
        state = self._state(image)
        return state.status if state else "unlabeled"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_final(self, image):
        state = self._state(image)
        return state.final if state else None


class LabelOutput(serializers.Serializer):
    id = serializers.IntegerField()
    image = serializers.IntegerField(source="image_id")
    labeler = serializers.CharField()
    value = serializers.ChoiceField(choices=Value.choices)
    strategy = serializers.ChoiceField(choices=Strategy.choices)
    created_at = serializers.DateTimeField()


class ModelAnswerOutput(serializers.Serializer):
    """The class model's answer, the analyzer's own (ml_models.core.answer.decide)."""

    version = serializers.CharField()
    answer = serializers.ChoiceField(choices=Value.choices, help_text="neither when the unusual score reaches the "
                                      "threshold, otherwise the likelier of cat and dog")
    confidence = serializers.FloatField(help_text="0-1, the number that belongs to the answer: P(answer | cat or dog) "
                                        "for cat and dog, the unusual score for neither")
    cat = serializers.FloatField(help_text="P(cat | cat or dog), 0-1")
    dog = serializers.FloatField(help_text="P(dog | cat or dog) = 1 - cat")
    unusual_score = serializers.FloatField(help_text="0-1; neither from unusual_threshold on")
    unusual_threshold = serializers.FloatField(help_text="0-1, the version's")
    shares = serializers.DictField(child=serializers.FloatField(), help_text=(
        "what the uncertainty orders rank, not the answer: cat = cat x (1 - unusual_score), dog = dog x "
        "(1 - unusual_score), neither = unusual_score; they sum to 1"))
    probabilities = serializers.DictField(child=serializers.FloatField(), help_text=(
        "deprecated: the same as shares, under the name clients written before shares use; not the answer's "
        "probabilities (see cat, dog and confidence)"))


class DecisionOutput(serializers.Serializer):
    value = serializers.ChoiceField(choices=Value.choices)
    decided_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class ImageDetailOutput(ImageOutput):
    votes_visible = serializers.BooleanField(help_text="students see others' labels only once they have answered")
    labels = LabelOutput(many=True)
    adjudication = DecisionOutput(allow_null=True)
    gold = DecisionOutput(allow_null=True, help_text="teachers only")
    model = ModelAnswerOutput(allow_null=True)


class UploadInput(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), allow_empty=False,
                                  help_text="pictures and .zip archives of pictures")


class UploadItemOutput(serializers.Serializer):
    name = serializers.CharField()
    image_id = serializers.IntegerField(required=False)
    sha256 = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    detail = serializers.CharField(required=False)


class UploadOutput(serializers.Serializer):
    added = UploadItemOutput(many=True, help_text="new to the class")
    duplicates = UploadItemOutput(many=True, help_text="already in the class")
    rejected = UploadItemOutput(many=True)
    scoring_job = serializers.IntegerField(allow_null=True, help_text="the job that scores the new pictures "
                                                                      "(/api/v1/jobs/{id}/); null when none is new")


class GalleryQuery(serializers.Serializer):
    filter = serializers.ChoiceField(choices=GALLERY_FILTERS, default="all")


class StrategyQuery(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=QUEUE_CHOICES, required=False)


class NextOutput(serializers.Serializer):
    image = ImageOutput(allow_null=True, help_text="null when there is nothing left to label")
    strategy = serializers.ChoiceField(choices=QUEUE_CHOICES)
    suggestion = ModelAnswerOutput(allow_null=True, help_text="only when the teacher shows it before answering")
    labeled_by_me = serializers.IntegerField()


class LabelInput(serializers.Serializer):
    image = serializers.IntegerField()
    value = serializers.ChoiceField(choices=Value.choices)
    strategy = serializers.ChoiceField(choices=QUEUE_CHOICES)


class LabelCreatedOutput(serializers.Serializer):
    label = LabelOutput()
    model = ModelAnswerOutput(allow_null=True, help_text="the model's answer, unless the teacher hides it")
    agrees = serializers.BooleanField(allow_null=True, help_text="the label is the model's answer (null when hidden)")


class ImageIdInput(serializers.Serializer):
    image = serializers.IntegerField()


class ValueInput(serializers.Serializer):
    value = serializers.ChoiceField(choices=Value.choices)


class ShareInput(serializers.Serializer):
    # "class" is a Python keyword, so the field is declared through the class body's namespace
    vars()["class"] = serializers.IntegerField(help_text="one of your classes")


class ModelWrongInput(serializers.Serializer):
    value = serializers.ChoiceField(choices=Value.choices)
    vars()["class"] = serializers.IntegerField(
        required=False, help_text="default: the class whose model answered, else your current class")


class SharedOutput(serializers.Serializer):
    analysis = serializers.IntegerField()
    vars()["class"] = serializers.IntegerField()
    image = serializers.IntegerField(help_text="the picture's id in the class's gallery")
    shared_at = serializers.DateTimeField()


class SettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = LabelingSettings
        fields = ["labels_per_image", "suggestion", "default_strategy"]


class PairOutput(serializers.Serializer):
    labeler_a = serializers.CharField()
    labeler_b = serializers.CharField()
    images = serializers.IntegerField(help_text=f"pictures both labelled; below {MIN_SHARED_IMAGES} their kappa is noise")
    agreement = serializers.FloatField(help_text="fraction 0-1")
    kappa = serializers.FloatField(allow_null=True)


class GoldScoreOutput(serializers.Serializer):
    labeler = serializers.CharField()
    answered = serializers.IntegerField()
    correct = serializers.IntegerField()
    accuracy = serializers.FloatField(help_text="fraction 0-1")


class AgreementOutput(serializers.Serializer):
    pairs = PairOutput(many=True)
    fleiss = serializers.FloatField(allow_null=True)
    images_with_votes = serializers.IntegerField()
    images_rated = serializers.IntegerField(help_text="pictures with two or more votes, what fleiss is computed on")
    votes = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="images per status")
    gold = GoldScoreOutput(many=True, allow_null=True, help_text="teachers only")


class LearningCurveOutput(serializers.Serializer):
    """A learning-curve simulation: a job whose result is the curve (`step` says how far it is)."""

    id = serializers.IntegerField(help_text="the job's id")
    status = serializers.CharField()
    stage = serializers.CharField()
    progress = serializers.FloatField(help_text="0-1")
    params = serializers.DictField()
    result = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_result(self, job) -> dict:
        """The simulation's result; once it has curves, with `comparison` (learning_curve.compare: where
        the two strategies are further apart than their spread across seeds)."""
        result = {key: value for key, value in job.result.items() if key != "traceback"}
        if "strategies" in result and "sizes" in result:
            result["comparison"] = learning_curve.compare(result)
        return result

    def get_error(self, job) -> str:
        return jobs.error_message(job)


class TransferInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="CSV or JSON, as exported")
