"""classifier/zero_shot.py: cat, dog or unusual from ImageNet probability mass."""
import numpy as np
import pytest

from classifier.zero_shot import classify


def probabilities(**mass_at) -> np.ndarray:
    """A probability vector with the given mass at ImageNet indices (written i281=0.4); rest on class 0."""
    vector = np.zeros(1000)
    for key, value in mass_at.items():
        vector[int(key[1:])] = value
    vector[0] += 1 - vector.sum()
    return vector


def test_cat_mass_over_dog_mass_is_a_cat():
    result = classify(probabilities(i281=0.5, i285=0.3, i151=0.1))
    assert result.label == "cat"
    assert result.cat == pytest.approx(0.8 / 0.9)
    assert result.cat + result.dog == pytest.approx(1.0)
    assert result.unusual_score == pytest.approx(0.1)


def test_mass_spread_over_many_breeds_still_makes_a_dog():
    spread = {f"i{index}": 0.8 / 100 for index in range(151, 251)}
    result = classify(probabilities(i281=0.15, **spread))
    assert result.label == "dog"


def test_little_cat_or_dog_mass_is_unusual():
    result = classify(probabilities(i281=0.2), threshold=0.5)
    assert result.label == "unusual"
    assert result.unusual_score == pytest.approx(0.8)


def test_threshold_decides_unusual():
    vector = probabilities(i151=0.45)
    assert classify(vector, threshold=0.6).label == "dog"
    assert classify(vector, threshold=0.5).label == "unusual"


def test_no_cat_or_dog_mass_at_all_is_unusual_and_undecided():
    result = classify(probabilities())
    assert result.label == "unusual" and result.unusual_score == 1.0 and result.cat == 0.5


def test_a_trained_classifier_decides_cat_or_dog_but_not_whether_the_picture_is_unusual():
    from classifier.zero_shot import Verdict, with_classifier

    usual = Verdict(cat=0.9, dog=0.1, unusual_score=0.2, label="cat")
    decided = with_classifier(usual, cat=0.2, dog=0.6)
    assert (decided.cat, decided.dog, decided.unusual_score, decided.label) == (
        pytest.approx(0.25), pytest.approx(0.75), 0.2, "dog")
    odd = Verdict(cat=0.5, dog=0.5, unusual_score=0.99, label="unusual")
    assert with_classifier(odd, cat=0.9, dog=0.1).label == "unusual"
