"""Inputs of the edge API, validated strictly (JSON types as sent: no "5" for 5, no 1 for true, no unknown
fields), and the shapes it answers with (for the schema; edge.services builds the JSON)."""
from __future__ import annotations

import math
import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from edge.models import DeviceMeasurement

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_MS = 600_000
MAX_HASHES = 100
MAX_DEVICE = 60
MAX_USER_AGENT = 400


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer (not a string, a boolean or 2.5)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (isinstance(data, int) or (isinstance(data, float) and data.is_integer())):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictNumberField(serializers.FloatField):
    """A finite JSON number (not a string nor a boolean)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)) or not math.isfinite(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false (not "yes" nor 1)."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (a typo must not pass silently) and a body that is not an object."""

    default_error_messages = {"unknown_field": _("Unknown field: %(field)s."),
                              "invalid": _("Send a JSON object.")}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({serializers.api_settings.NON_FIELD_ERRORS_KEY: [
                serializers.ErrorDetail(str(self.error_messages["invalid"]), code="invalid")]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({unknown[0]: [serializers.ErrorDetail(
                str(self.error_messages["unknown_field"]) % {"field": unknown[0]}, code="unknown_field")]})
        return super().to_internal_value(data)


class Sha256Field(StrictCharField):
    default_error_messages = {"not_sha256": _("Each sha256 is 64 hexadecimal digits (0-9, a-f).")}

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not SHA256.match(value):
            self.fail("not_sha256")
        return value


class ServerAnswersInput(StrictSerializer):
    version = StrictIntegerField(min_value=1, help_text="the model version that answers (one you may run)")
    sha256 = serializers.ListField(child=Sha256Field(), min_length=1, max_length=MAX_HASHES,
                                   help_text="the photos, by the sha256 of their bytes (1-100)")


class TestSetQuery(serializers.Serializer):
    limit = serializers.IntegerField(required=False, default=24, min_value=1, max_value=100)


class PrecisionInput(StrictSerializer):
    """One precision's numbers, as the lab measured them in the browser."""

    default_error_messages = {"p90_below_p50": _("p90_ms cannot be smaller than p50_ms.")}

    p50_ms = StrictNumberField(min_value=0, max_value=MAX_MS, help_text="median milliseconds per photo")
    p90_ms = StrictNumberField(min_value=0, max_value=MAX_MS, help_text="90th percentile, >= p50_ms")
    bytes = StrictIntegerField(min_value=0, help_text="bytes of the ONNX file downloaded")
    agreement = StrictNumberField(min_value=0, max_value=1, allow_null=True,
                                  help_text="share of photos with the server's label (null: no server answers)")
    max_probability_diff = StrictNumberField(min_value=0, max_value=1, allow_null=True,
                                             help_text="largest |P(cat) browser - P(cat) server|")

    def validate(self, attrs):
        if attrs["p90_ms"] < attrs["p50_ms"]:
            raise serializers.ValidationError({"p90_ms": [serializers.ErrorDetail(
                str(self.error_messages["p90_below_p50"]), code="p90_below_p50")]})
        return attrs


class DeviceMeasurementInput(StrictSerializer):
    device = StrictCharField(min_length=1, max_length=MAX_DEVICE,
                             help_text='your name for the device, e.g. "Portátil de Ana"')
    model_version = StrictIntegerField(min_value=1, help_text="a version this class can use")
    source = serializers.ChoiceField(DeviceMeasurement.Source.choices)
    images = StrictIntegerField(min_value=1, max_value=500)
    backend = serializers.ChoiceField(DeviceMeasurement.Backend.choices, help_text="the execution provider that ran")
    threads = StrictIntegerField(min_value=1, max_value=64)
    cross_origin_isolated = StrictBooleanField()
    cold_start_ms = StrictNumberField(min_value=0, max_value=MAX_MS, allow_null=True)
    fp32 = PrecisionInput()
    int8 = PrecisionInput(allow_null=True)
    user_agent = StrictCharField(required=False, allow_blank=True, max_length=MAX_USER_AGENT, trim_whitespace=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = {"int8": None, **data} if "int8" not in data else data  # leaving it out means no INT8 run
        return super().to_internal_value(data)


_any = serializers.JSONField
VersionOutput = inline_serializer("EdgeVersion", fields={
    "id": serializers.IntegerField(), "name": serializers.CharField(), "version": serializers.IntegerField(),
    "kind": serializers.CharField(), "family": serializers.CharField(),
    "label": serializers.CharField(help_text="for people, in their language")})
_answer = {"label": serializers.CharField(), "probabilities": _any(help_text='{"cat", "dog"}'),
           "unusual_score": serializers.FloatField()}

ModelInfoOutput = inline_serializer("EdgeModel", fields={
    "class_id": serializers.IntegerField(allow_null=True), "version": VersionOutput,
    "signature": _any(), "files": _any(help_text='{"fp32": {url, size_bytes, sha256}, "int8": {...} | null}'),
    "answer_data_url": serializers.CharField()})
ServerAnswersOutput = inline_serializer("EdgeServerAnswers", fields={
    "answers": serializers.ListField(child=inline_serializer("EdgeServerAnswer", fields={
        "sha256": serializers.CharField(), **_answer})),
    "unknown": serializers.ListField(child=serializers.CharField(),
                                     help_text="hashes of photos the server does not know or you may not see")})
TestSetOutput = inline_serializer("EdgeTestSet", fields={
    "version": VersionOutput, "source": serializers.ChoiceField(["test_split", "labelled"]),
    "images": serializers.ListField(child=inline_serializer("EdgeTestImage", fields={
        "image_id": serializers.IntegerField(), "sha256": serializers.CharField(), "url": serializers.CharField(),
        "label": serializers.CharField(help_text="the settled human label"),
        "server": inline_serializer("EdgeServerAnswerOnly", fields=_answer)}))})
MeasurementOutput = inline_serializer("DeviceMeasurement", fields={
    "id": serializers.IntegerField(), "created": serializers.DateTimeField(), "device": serializers.CharField(),
    "model_version": serializers.IntegerField(), "version_label": serializers.CharField(),
    "source": serializers.CharField(), "images": serializers.IntegerField(), "backend": serializers.CharField(),
    "threads": serializers.IntegerField(), "cross_origin_isolated": serializers.BooleanField(),
    "cold_start_ms": serializers.FloatField(allow_null=True), "fp32": _any(), "int8": _any(allow_null=True),
    "user_agent": serializers.CharField(), "mine": serializers.BooleanField(),
    "author": serializers.CharField(allow_null=True, help_text="for the class's teachers only")})
MeasurementListOutput = inline_serializer("DeviceMeasurementList", fields={
    "results": serializers.ListField(child=MeasurementOutput)})
