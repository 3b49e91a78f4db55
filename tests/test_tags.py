"""classifier/tags.py and the ImageNet label data."""
import numpy as np

from classifier.tags import GROUP_LABELS, tags_for
from ml_models import imagenet


def test_label_data_covers_every_class_with_known_groups():
    assert set(imagenet.groups()) == set(GROUP_LABELS)
    assert [imagenet.group_of(i) for i in imagenet.DOG_CLASSES] == ["dog"] * 118
    assert [imagenet.group_of(i) for i in imagenet.CAT_CLASSES] == ["cat"] * 5
    others = set(range(1000)) - set(imagenet.DOG_CLASSES) - set(imagenet.CAT_CLASSES)
    assert not {imagenet.group_of(i) for i in others} & {"dog", "cat"}
    assert all(imagenet.spanish_name(i) for i in range(1000))
    assert imagenet.english_name(963) == "pizza"


def test_cat_picture_gets_the_group_and_the_breeds_in_both_languages():
    probabilities = np.zeros(1000)
    probabilities[[281, 285, 287, 0]] = [0.6, 0.3, 0.06, 0.04]
    tags = tags_for(probabilities)
    assert tags[0]["tag"] == "cat" and tags[0]["kind"] == "group"
    assert tags[0]["label_es"] == "gato" and tags[0]["label_en"] == "cat"
    assert abs(tags[0]["confidence"] - 0.9) < 1e-6
    classes = [tag for tag in tags if tag["kind"] == "class"]
    assert [tag["imagenet_index"] for tag in classes] == [281, 285, 287, 0]
    assert classes[0]["label_en"] == "tabby cat" and classes[0]["label_es"].startswith("gato")
    confidences = [tag["confidence"] for tag in tags]
    assert confidences == sorted(confidences, reverse=True)


def test_food_group_and_small_classes_left_out():
    probabilities = np.full(1000, 0.2 / 997)
    probabilities[[963, 965, 967]] = [0.5, 0.2, 0.1]  # pizza, burrito, espresso
    tags = tags_for(probabilities)
    food = next(tag for tag in tags if tag["tag"] == "food")
    assert food["label_es"] == "comida" and food["confidence"] > 0.8
    assert all(tag["confidence"] >= 0.02 for tag in tags)
    assert len([tag for tag in tags if tag["kind"] == "class"]) == 3
