"""Data augmentation with Keras preprocessing layers, on float images in [0, 255]."""
from __future__ import annotations

import numpy as np
import tf_keras as keras

from training.pipeline.config import AugmentConfig


def build_augmentation(config: AugmentConfig, *, seed: int = 0) -> keras.Sequential | None:
    """The enabled layers, in a fixed order; None when everything is switched off."""
    layers = []
    if config.flip:
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed))
    if config.rotation:
        layers.append(keras.layers.RandomRotation(config.rotation, fill_mode="reflect", seed=seed + 1))
    if config.zoom:
        layers.append(keras.layers.RandomZoom(config.zoom, fill_mode="reflect", seed=seed + 2))
    if config.translation:
        layers.append(keras.layers.RandomTranslation(config.translation, config.translation,
                                                     fill_mode="reflect", seed=seed + 3))
    if config.contrast:
        layers.append(keras.layers.RandomContrast(config.contrast, seed=seed + 4))
    if config.brightness:
        layers.append(keras.layers.RandomBrightness(config.brightness, value_range=(0, 255), seed=seed + 5))
    return keras.Sequential(layers, name="augmentation") if layers else None


def preview(image: np.ndarray, config: AugmentConfig, *, count: int = 8, seed: int = 0) -> np.ndarray:
    """`count` augmented versions of one uint8 image (H, W, 3), as uint8 (count, H, W, 3)."""
    augmentation = build_augmentation(config, seed=seed)
    batch = np.repeat(image[None].astype(np.float32), count, axis=0)
    if augmentation is None:
        return batch.astype(np.uint8)
    varied = np.asarray(augmentation(batch, training=True))
    return np.clip(np.round(varied), 0, 255).astype(np.uint8)
