"""The small CNN students train from scratch: four Conv-BatchNorm-ReLU blocks, global average pooling,
dropout and a dense layer. Small enough to show every feature map. Imports TensorFlow."""
from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

from ml_models.core.contract import INPUT_SIZE  # noqa: E402

FILTERS = (16, 32, 64, 128)
# Keras' default 0.99 needs hundreds of steps before the moving statistics used at inference settle;
# classroom datasets give a few dozen steps per run.
BN_MOMENTUM = 0.9


def build_student_cnn(num_classes: int, image_size: int, *, dropout: float = 0.0, l2: float = 0.0) -> keras.Model:
    """uint8 images (N, 224, 224, 3) -> probabilities, embedding, feature maps.

    Every version takes the same 224x224 input (the model contract); the network first resizes it
    to `image_size` inside the graph, so training and serving see exactly the same pixels.
    """
    regularizer = keras.regularizers.L2(l2) if l2 else None
    images = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), dtype="uint8", name="image")
    x = tf.cast(images, tf.float32)
    if image_size != INPUT_SIZE:
        x = keras.layers.Resizing(image_size, image_size, interpolation="bilinear", name="resize")(x)
    x = keras.layers.Rescaling(1.0 / 255, name="normalise")(x)
    for index, filters in enumerate(FILTERS, start=1):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_regularizer=regularizer,
                                name=f"conv{index}")(x)
        x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"conv{index}_bn")(x)
        x = keras.layers.ReLU(name=f"conv{index}_relu")(x)
        if index < len(FILTERS):
            x = keras.layers.MaxPooling2D(name=f"pool{index}")(x)
    feature_maps = keras.layers.Activation("linear", name="feature_maps")(x)
    embedding = keras.layers.GlobalAveragePooling2D(name="embedding")(feature_maps)
    head_input = keras.layers.Dropout(dropout, name="head_dropout")(embedding) if dropout else embedding
    logits = keras.layers.Dense(num_classes, kernel_regularizer=regularizer, name="logits")(head_input)
    probabilities = keras.layers.Softmax(name="probabilities")(logits)
    return keras.Model(images, {"probabilities": probabilities, "embedding": embedding, "feature_maps": feature_maps},
                       name="student_cnn")
