from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classifier.models import Analysis


class AnalysisInput(serializers.Serializer):
    image = serializers.FileField(allow_empty_file=True, help_text="JPEG, PNG, GIF, WebP or BMP; at most 10 MB and 50 megapixels.")
    vars()["class"] = serializers.IntegerField(  # "class" is a keyword: declared through the namespace
        required=False, help_text="One of your classes: its active model answers (default: your current class).")


class TagOutput(serializers.Serializer):
    tag = serializers.CharField()
    kind = serializers.ChoiceField(choices=["group", "class"])
    label_es = serializers.CharField()
    label_en = serializers.CharField()
    confidence = serializers.FloatField(min_value=0, max_value=1)
    imagenet_index = serializers.IntegerField(required=False)
    source = serializers.ChoiceField(choices=["imagenet"], help_text="tags come from the 1,000 ImageNet classes")


class AnalysisModelOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()


class ProbabilitiesOutput(serializers.Serializer):
    cat = serializers.FloatField()
    dog = serializers.FloatField()


class ExplainedOutput(serializers.Serializer):
    tag = serializers.CharField()
    label_es = serializers.CharField()
    label_en = serializers.CharField()


class ExplanationOutput(serializers.Serializer):
    method = serializers.CharField(help_text="CAM: Class Activation Map")
    explained = ExplainedOutput(help_text="What the map shows evidence for: cat, dog or, when unusual, the top ImageNet "
                                          "class (a trained version: the likelier of cat and dog).")
    against = ExplainedOutput(required=False, help_text="What that evidence is weighed against: the other of cat and "
                                                        "dog, or the other ImageNet classes.")
    heatmap_url = serializers.CharField(help_text="RGBA PNG to lay over the image: `grid` (the per-photo scale).")
    heatmap_fixed_url = serializers.CharField(
        allow_null=True, help_text="RGBA PNG on the fixed scale (full colour at `fixed_scale_logits`, the same for "
                                   "every photo); null for analyses stored before it existed.")
    grid = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()),
        help_text="Rows of the coarse grid (7x7 for Lite0) in [0, 1]: the evidence for `explained`, divided by this "
                  "photo's largest cell; evidence against is cut to 0.")
    evidence = serializers.ListField(
        required=False, child=serializers.ListField(child=serializers.FloatField()),
        help_text="The same grid signed, in logits per cell: each cell's share of the log-odds of `explained` against "
                  "`against` (first order in the logits, without the biases). Positive cells pushed towards "
                  "`explained`, negative ones away from it.")
    fixed_scale_logits = serializers.FloatField(
        required=False, help_text="The fixed scale: logits per cell drawn in full colour (the same for every photo).")


class TimingsOutput(serializers.Serializer):
    decode = serializers.FloatField()
    inference = serializers.FloatField()
    total = serializers.FloatField()


class AnalysisOutput(serializers.ModelSerializer):
    image_sha256 = serializers.CharField(source="image.sha256")
    image_url = serializers.SerializerMethodField()
    label_display = serializers.CharField(source="get_label_display")
    tags_agree = serializers.BooleanField(
        help_text="false when the ImageNet network behind the tags leans towards another group than the answer")
    model_version = AnalysisModelOutput()
    probabilities = ProbabilitiesOutput()
    tags = TagOutput(many=True)
    explanation = serializers.SerializerMethodField()
    timings_ms = TimingsOutput()
    shared_into = serializers.SerializerMethodField()

    class Meta:
        model = Analysis
        fields = [
            "id", "image_sha256", "image_url", "original_name", "shared_into", "model_version", "label",
            "label_display", "probabilities", "unusual_score", "unusual_threshold", "tags", "tags_agree",
            "explanation", "timings_ms", "created_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        fields["class"] = serializers.IntegerField(source="classroom_id", allow_null=True,
                                                   help_text="the class whose model answered (null: the default)")
        return fields

    def get_shared_into(self, analysis) -> list[int]:
        """Your classes this photo is shared into (only yours: others' classes are not your business)."""
        from eduai.classes import classes_of

        mine = set(classes_of(analysis.user).values_list("id", flat=True))
        return sorted(set(analysis.image.class_images.values_list("classroom_id", flat=True)) & mine)

    def get_image_url(self, analysis) -> str:
        return reverse("classifier:analysis-image", args=[analysis.pk])

    @extend_schema_field(ExplanationOutput)
    def get_explanation(self, analysis) -> dict:
        fixed = reverse("classifier:analysis-heatmap-fixed", args=[analysis.pk]) if "evidence" in analysis.explanation else None
        return {**analysis.explanation, "heatmap_url": reverse("classifier:analysis-heatmap", args=[analysis.pk]),
                "heatmap_fixed_url": fixed}
