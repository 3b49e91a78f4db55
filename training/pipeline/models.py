"""The two model families, both following the model contract: uint8 224x224 image in; "probabilities",
"embedding" and "feature_maps" out; a dense layer "logits" (whose weights give the class maps)."""
from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import tf_keras as keras  # noqa: E402

from ml_models.networks import lite0  # noqa: E402
from ml_models.networks.student_cnn import build_student_cnn  # noqa: E402
from training.pipeline.config import TrainingConfig  # noqa: E402


def build_transfer_model(num_classes: int, *, dropout: float = 0.0, l2: float = 0.0,
                         pretrained: bool = True) -> keras.Model:
    """EfficientNet-Lite0 with ImageNet weights and a new head; the backbone starts frozen."""
    model = lite0.build_model(num_classes, dropout=dropout, l2=l2, name="lite0_transfer")
    if pretrained:
        lite0.load_backbone_weights(model)
    lite0.set_trainable_top(model, 0.0)
    return model


def build_model(config: TrainingConfig) -> keras.Model:
    if config.family == "student_cnn":
        return build_student_cnn(len(config.class_names), config.image_size, dropout=config.dropout, l2=config.l2)
    return build_transfer_model(len(config.class_names), dropout=config.dropout, l2=config.l2)
