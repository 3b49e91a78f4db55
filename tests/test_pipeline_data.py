"""training/pipeline/data.py and augment.py: splits by hash, loading, augmentation."""
import hashlib

import numpy as np
import pytest
from PIL import Image

from training.pipeline.augment import build_augmentation, preview
from training.pipeline.config import AugmentConfig
from training.pipeline.data import Example, load_images, make_dataset, split_by_hash

pytestmark = pytest.mark.tensorflow


def examples(count_per_class: int, classes: int = 2) -> list[Example]:
    return [
        Example(hashlib.sha256(f"{label}-{i}".encode()).hexdigest(), None, label)
        for label in range(classes) for i in range(count_per_class)
    ]


def test_splits_are_stratified_disjoint_and_complete():
    data = examples(100)
    splits = split_by_hash(data, validation_fraction=0.15, test_fraction=0.2)
    assert splits.sizes() == {"train": 130, "validation": 30, "test": 40}
    for split in (splits.train, splits.validation, splits.test):
        labels = [example.label for example in split]
        assert labels.count(0) == labels.count(1)
    hashes = [{e.sha256 for e in split} for split in (splits.train, splits.validation, splits.test)]
    assert not (hashes[0] & hashes[1] or hashes[0] & hashes[2] or hashes[1] & hashes[2])
    assert set.union(*hashes) == {example.sha256 for example in data}


def test_splits_do_not_depend_on_input_order():
    data = examples(40)
    shuffled = list(reversed(data))
    assert split_by_hash(data, validation_fraction=0.2, test_fraction=0.2) == \
        split_by_hash(shuffled, validation_fraction=0.2, test_fraction=0.2)


def test_load_images_resizes_and_keeps_labels(tmp_path):
    paths = []
    for index, size in enumerate([(40, 30), (30, 60)]):
        path = tmp_path / f"{index}.png"
        Image.new("RGBA", size, (255, 0, 0, 255)).save(path)
        paths.append(Example(str(index), path, index))
    images, labels = load_images(paths, 32)
    assert images.shape == (2, 32, 32, 3) and images.dtype == np.uint8
    assert tuple(images[0, 5, 5]) == (255, 0, 0) and labels.tolist() == [0, 1]


def test_dataset_yields_uint8_batches_with_labels_for_the_probabilities_output():
    images = np.random.RandomState(0).randint(0, 255, (10, 16, 16, 3)).astype(np.uint8)
    augmentation = build_augmentation(AugmentConfig(), seed=1)
    batch, target = next(iter(make_dataset(images, np.arange(10) % 2, batch_size=4, augmentation=augmentation)))
    assert batch.dtype.name == "uint8" and tuple(batch.shape) == (4, 16, 16, 3)
    assert target["probabilities"].numpy().tolist() == [0, 1, 0, 1]


def test_augmentation_varies_pictures_and_can_be_switched_off():
    image = np.zeros((32, 32, 3), np.uint8)
    image[:, :16] = 255  # left half white
    varied = preview(image, AugmentConfig(flip=True, rotation=0.1, zoom=0.2, translation=0.1), count=6, seed=3)
    assert varied.shape == (6, 32, 32, 3) and varied.dtype == np.uint8
    assert len({v.tobytes() for v in varied}) > 1
    off = AugmentConfig(flip=False, rotation=0, zoom=0, translation=0, contrast=0, brightness=0)
    assert not off.enabled and build_augmentation(off) is None
    assert (preview(image, off, count=2) == image).all()


def test_flip_only_mirrors_the_picture():
    image = np.zeros((8, 8, 3), np.uint8)
    image[:, :4] = 255
    flips_only = AugmentConfig(flip=True, rotation=0, zoom=0, translation=0, contrast=0, brightness=0)
    for varied in preview(image, flips_only, count=8, seed=0):
        assert (varied == image).all() or (varied == image[:, ::-1]).all()
