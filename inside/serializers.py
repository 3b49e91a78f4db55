"""Inputs of the look-inside API, and the shapes it answers with (for the schema; services build the JSON)."""
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from inside.services import PATCH_RANGE, STRIDE_RANGE, TOP_CHANNELS
from ml_models.core.occlusion import FILLS


class LayerQuery(serializers.Serializer):
    channel = serializers.IntegerField(required=False, min_value=0, help_text="a channel to return as an image too")
    top = serializers.IntegerField(required=False, min_value=1, max_value=16, default=TOP_CHANNELS,
                                   help_text="how many of the most active channels to return as images")


class NeuronQuery(serializers.Serializer):
    channel = serializers.IntegerField(min_value=0)
    x = serializers.IntegerField(min_value=0, help_text="column of the cell in the first activation map")
    y = serializers.IntegerField(min_value=0, help_text="row of the cell in the first activation map")


class FillQuery(serializers.Serializer):
    fill = serializers.ChoiceField(FILLS, default="mean")


class OcclusionInput(serializers.Serializer):
    mask = serializers.CharField(trim_whitespace=False,
                                 help_text="base64 PNG (or a data: URL) of the photo's size or 224x224; white = hidden")
    fill = serializers.ChoiceField(FILLS, default="mean", help_text="what hidden pixels become")


class OcclusionMapInput(serializers.Serializer):
    patch = serializers.IntegerField(min_value=PATCH_RANGE[0], max_value=PATCH_RANGE[1], default=56,
                                     help_text="side of the hidden square, in pixels of the 224x224 input")
    stride = serializers.IntegerField(min_value=STRIDE_RANGE[0], max_value=STRIDE_RANGE[1], default=28,
                                      help_text="step between two positions, in pixels (at most 256 positions)")
    fill = serializers.ChoiceField(FILLS, default="mean")


def _shape(name: str, fields: dict):
    return inline_serializer(name, fields=fields)


_any = serializers.JSONField
_timings = _any(help_text="milliseconds spent, by step")
_probabilities = _any(help_text='{"cat", "dog"}: P(cat) and P(dog) between the two')

ArchitectureOutput = _shape("Architecture", {
    "model": _any(), "input_shape": serializers.ListField(child=serializers.IntegerField()),
    "params": serializers.IntegerField(help_text="every number the layers store, as Keras counts them"),
    "learned_params": serializers.IntegerField(help_text="the same without batch normalisation's running "
                                                         "statistics: the numbers training sets"),
    "groups": _any(help_text="blocks in order: name, stage, layers, params, output_shape, repeat"),
    "layers": _any(help_text="every layer in order: name, type, output_shape, params, learned_params, inputs, "
                            "group, feature_maps"),
    "first_conv": _any()})
LayerOutput = _shape("LayerMaps", {
    "analysis": serializers.IntegerField(), "layer": serializers.CharField(), "type": serializers.CharField(),
    "shape": serializers.ListField(child=serializers.IntegerField()),
    "channels": _any(help_text="per channel: index, mean, max, min, active (share of cells above 0)"),
    "top": _any(help_text="the most active channels: index, mean, max, image (grey PNG data URL)"),
    "channel": _any(allow_null=True), "timings_ms": _timings})
FiltersOutput = _shape("FirstLayerFilters", {
    "layer": serializers.CharField(), "activation_layer": serializers.CharField(), "kernel_size": _any(),
    "stride": serializers.IntegerField(),
    "filters": _any(help_text="index, image (RGB PNG of the weights), response (grey PNG), mean, max"),
    "timings_ms": _timings})
NeuronOutput = _shape("NeuronArithmetic", {
    name: _any() for name in ("layer", "activation_layer", "input_layer", "channel", "x", "y", "kernel_size", "stride",
                              "input_shape", "window", "patch", "pixels", "normalisation", "kernel", "products", "sum",
                              "bias", "pre_activation", "activation", "output", "stored", "batchnorm", "timings_ms")})
OcclusionOutput = _shape("PaintedOcclusion", {
    "probabilities": _probabilities, "label": serializers.CharField(), "unusual_score": serializers.FloatField(),
    "before": _any(), "hidden_fraction": serializers.FloatField(),
    "cam_overlap": serializers.FloatField(help_text="share of the heatmap's weight under the mask"),
    "timings_ms": _timings})
OcclusionMapOutput = _shape("OcclusionMap", {
    "class": serializers.CharField(), "baseline": serializers.FloatField(), "rows": serializers.IntegerField(),
    "cols": serializers.IntegerField(), "patch": serializers.IntegerField(), "stride": serializers.IntegerField(),
    "fill": serializers.CharField(), "grid": _any(help_text="drop of the answer's number at each position"),
    "max_drop": serializers.FloatField(), "cam_rank_correlation": serializers.FloatField(allow_null=True),
    "timings_ms": _timings})
FaithfulnessOutput = _shape("Faithfulness", {
    "class": serializers.CharField(), "fraction": serializers.FloatField(), "fill": serializers.CharField(),
    "baseline": serializers.FloatField(), "hot": _any(), "cold": _any(), "faithful": serializers.BooleanField(),
    "timings_ms": _timings})
