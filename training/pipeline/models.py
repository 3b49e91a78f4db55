"""The two model families, both following the serving contract of ml_models/lite0.py:
uint8 image in; "probabilities", "embedding" and "feature_maps" out; a dense layer "logits"."""
from __future__ import annotations

import math
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

from ml_models import lite0  # noqa: E402
from training.pipeline.config import TrainingConfig  # noqa: E402

STUDENT_FILTERS = (16, 32, 64, 128)
# Keras' default 0.99 needs hundreds of steps before the moving statistics used at inference settle;
# classroom datasets give a few dozen steps per run.
STUDENT_BN_MOMENTUM = 0.9


def build_student_cnn(num_classes: int, image_size: int, *, dropout: float = 0.0, l2: float = 0.0) -> keras.Model:
    """A small CNN trained from scratch: four Conv-BatchNorm-ReLU blocks (max-pooling between), then
    global average pooling, dropout and a dense layer. Small enough to show every feature map."""
    regularizer = keras.regularizers.L2(l2) if l2 else None
    images = keras.Input((image_size, image_size, 3), dtype="uint8", name="image")
    x = keras.layers.Rescaling(1.0 / 255, name="normalise")(tf.cast(images, tf.float32))
    for index, filters in enumerate(STUDENT_FILTERS, start=1):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_regularizer=regularizer,
                                name=f"conv{index}")(x)
        x = keras.layers.BatchNormalization(momentum=STUDENT_BN_MOMENTUM, name=f"conv{index}_bn")(x)
        x = keras.layers.ReLU(name=f"conv{index}_relu")(x)
        if index < len(STUDENT_FILTERS):
            x = keras.layers.MaxPooling2D(name=f"pool{index}")(x)
    feature_maps = keras.layers.Activation("linear", name="feature_maps")(x)
    embedding = keras.layers.GlobalAveragePooling2D(name="embedding")(feature_maps)
    head_input = keras.layers.Dropout(dropout, name="head_dropout")(embedding) if dropout else embedding
    logits = keras.layers.Dense(num_classes, kernel_regularizer=regularizer, name="logits")(head_input)
    probabilities = keras.layers.Softmax(name="probabilities")(logits)
    return keras.Model(images, {"probabilities": probabilities, "embedding": embedding, "feature_maps": feature_maps},
                       name="student_cnn")


def build_transfer_model(num_classes: int, *, dropout: float = 0.0, l2: float = 0.0,
                         pretrained: bool = True) -> keras.Model:
    """EfficientNet-Lite0 with ImageNet weights and a new head; the backbone starts frozen."""
    model = lite0.build_model(num_classes, dropout=dropout, l2=l2, name="lite0_transfer")
    if pretrained:
        lite0.load_backbone_weights(model)
    set_trainable_top(model, 0.0)
    return model


def set_trainable_top(model: keras.Model, fraction: float) -> int:
    """Unfreeze the top `fraction` of the backbone's blocks (and its head convolution); return how
    many layers now train. BatchNorm layers stay frozen: their statistics were learned on ImageNet
    and small batches would wreck them."""
    layers = lite0.backbone_layers(model)
    block_count = len(lite0.BLOCKS)
    first_block = block_count - math.ceil(block_count * fraction)
    trainable = 0
    for layer in layers:
        block = _block_index(layer.name)
        unfrozen = fraction > 0 and (block is None and layer.name.startswith("head_") or
                                     block is not None and block >= first_block)
        layer.trainable = unfrozen and not isinstance(layer, keras.layers.BatchNormalization)
        trainable += layer.trainable and bool(layer.weights)
    return trainable


def _block_index(name: str) -> int | None:
    if not name.startswith("block"):
        return None
    return int(name[len("block"):].split("_")[0])


def build_model(config: TrainingConfig) -> keras.Model:
    if config.family == "student_cnn":
        return build_student_cnn(len(config.class_names), config.image_size, dropout=config.dropout, l2=config.l2)
    return build_transfer_model(len(config.class_names), dropout=config.dropout, l2=config.l2)
