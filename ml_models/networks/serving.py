"""Serving graphs: one Keras model per version with every output its signature names, exported as
one ONNX graph. Imports TensorFlow.

- The pretrained network gets its Class Activation Maps as an output: a 1x1 convolution holding the
  final dense layer's weights (no bias) over the last feature maps.
- A trained classifier also gets the ImageNet probabilities (for tags and the unusual score). For a
  transfer model the stages of Lite0 that training left unchanged are shared, so one forward pass
  mostly serves both; the student CNN runs beside a whole Lite0 in the same graph.
"""
from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import tf_keras as keras  # noqa: E402

from ml_models.networks import lite0  # noqa: E402

PRETRAINED_FAMILY = "lite0_imagenet"
TRANSFER_FAMILY = "lite0_transfer"


def class_maps_of(model: keras.Model, feature_maps, *, name: str = "class_maps"):
    """(N, H, W, classes): each cell's share of each class's logit, from the model's "logits" layer."""
    kernel, _bias = model.get_layer(lite0.LOGITS_LAYER).get_weights()
    layer = keras.layers.Conv2D(kernel.shape[1], 1, use_bias=False, name=name)
    maps = layer(feature_maps)
    layer.set_weights([kernel[None, None]])
    return maps


def _own_outputs(model: keras.Model) -> dict:
    outputs = dict(model.output)
    return {**outputs, "class_maps": class_maps_of(model, outputs["feature_maps"])}


def pretrained_serving_model(network: keras.Model | None = None) -> keras.Model:
    """The ImageNet network with its class maps (uint8 images in)."""
    network = network or lite0.load_pretrained()
    return keras.Model(network.inputs, _own_outputs(network), name="lite0_imagenet_serving")


def trained_serving_model(model: keras.Model, *, family: str) -> tuple[keras.Model, list[str]]:
    """(a trained classifier with its class maps and the ImageNet probabilities on the same input, the
    Lite0 stages it shares with its ImageNet branch)."""
    outputs = _own_outputs(model)
    if family == TRANSFER_FAMILY:
        probabilities, weights, shared = lite0.imagenet_branch(model)
    else:
        pretrained = lite0.load_pretrained()
        probabilities = keras.layers.Activation("linear", name="imagenet_probabilities")(
            pretrained(model.inputs[0])["probabilities"])
        weights, shared = {}, []
    served = keras.Model(model.inputs, {**outputs, "imagenet_probabilities": probabilities}, name=f"{family}_serving")
    lite0.set_weights(served, weights)
    return served, shared
