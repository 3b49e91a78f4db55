"""Datasets for training: deterministic stratified splits by content hash, and tf.data pipelines."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml_models.core.preprocess import load_rgb, to_model_input


@dataclass(frozen=True)
class Example:
    sha256: str
    path: Path
    label: int  # index into the run's class names


@dataclass(frozen=True)
class Splits:
    train: list[Example]
    validation: list[Example]
    test: list[Example]

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


def split_by_hash(examples: list[Example], *, validation_fraction: float, test_fraction: float) -> Splits:
    """Within each class, order by sha256 and cut: the same images always land in the same split.

    Ordering by hash is as good as shuffling, but needs no seed and does not depend on upload order;
    cutting per class keeps the class balance of every split (stratified).
    """
    by_class: dict[int, list[Example]] = defaultdict(list)
    for example in examples:
        by_class[example.label].append(example)
    train, validation, test = [], [], []
    for members in by_class.values():
        members = sorted(members, key=lambda example: example.sha256)
        n_test = round(len(members) * test_fraction)
        n_validation = round(len(members) * validation_fraction)
        test += members[:n_test]
        validation += members[n_test:n_test + n_validation]
        train += members[n_test + n_validation:]
    order = lambda example: example.sha256  # noqa: E731 - one stable order for every split
    return Splits(sorted(train, key=order), sorted(validation, key=order), sorted(test, key=order))


def load_images(examples: list[Example], size: int) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images (N, size, size, 3), int labels (N,)) for the examples, in order."""
    if not examples:
        return np.zeros((0, size, size, 3), np.uint8), np.zeros((0,), np.int64)
    images = np.stack([to_model_input(load_rgb(example.path), (size, size)) for example in examples])
    return images, np.array([example.label for example in examples], dtype=np.int64)


def make_dataset(images: np.ndarray, labels: np.ndarray, *, batch_size: int, shuffle: bool = False,
                 seed: int = 0, augmentation=None):
    """tf.data pipeline of (uint8 images, {"probabilities": labels}), augmented on the fly if asked."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augmentation is not None:
        def augment(batch, batch_labels):
            varied = augmentation(tf.cast(batch, tf.float32), training=True)
            return tf.cast(tf.clip_by_value(tf.round(varied), 0, 255), tf.uint8), batch_labels

        dataset = dataset.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.map(lambda batch, batch_labels: (batch, {"probabilities": batch_labels})).prefetch(2)
