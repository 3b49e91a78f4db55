"""ml_models/core/answer.py: outputs + signature -> the answer (cat, dog or unusual, tags, heatmap)."""
import numpy as np
import pytest

from ml_models.core import contract, imagenet
from ml_models.core.answer import answer, decide, unusual_score
from ml_models.networks.pretrained import UNUSUAL_CALIBRATION, default_unusual_rule
from ml_models.networks.pretrained import signature as pretrained_signature


def probabilities(**mass_at) -> np.ndarray:
    """A probability vector with the given mass at ImageNet indices (written i281=0.4); the rest on class 0."""
    vector = np.zeros(1000)
    for key, value in mass_at.items():
        vector[int(key[1:])] = value
    vector[0] += 1 - vector.sum()
    return vector


def pretrained_outputs(vector: np.ndarray, maps: np.ndarray | None = None) -> dict:
    return {"probabilities": vector, "class_maps": maps if maps is not None else np.ones((7, 7, 1000), np.float32)}


def with_threshold(signature: dict, threshold: float) -> dict:
    decision = signature["decision"]
    return {**signature, "decision": {**decision, "unusual": {**decision["unusual"], "threshold": threshold}}}


PRETRAINED = pretrained_signature()


def trained_signature(threshold: float = 0.9) -> dict:
    rule = {**default_unusual_rule(), "threshold": threshold}
    return contract.validate(contract.trained_signature(family="student_cnn", class_names=["cat", "dog"],
                                                        feature_maps=(6, 6, 128), embedding=128, unusual=rule))


# ------------------------------------------------------------------------------------ decision

def test_cat_mass_over_dog_mass_is_a_cat():
    verdict = decide(pretrained_outputs(probabilities(i281=0.5, i285=0.3, i151=0.1)), PRETRAINED)
    assert verdict.label == "cat"
    assert verdict.cat == pytest.approx(0.8 / 0.9) and verdict.cat + verdict.dog == pytest.approx(1.0)
    assert verdict.unusual_score == pytest.approx(0.1)
    assert verdict.unusual_threshold == UNUSUAL_CALIBRATION["threshold"]


def test_mass_spread_over_many_breeds_still_makes_a_dog():
    spread = {f"i{index}": 0.8 / 100 for index in range(151, 251)}
    assert decide(pretrained_outputs(probabilities(i281=0.15, **spread)), PRETRAINED).label == "dog"


def test_the_signature_threshold_decides_unusual():
    outputs = pretrained_outputs(probabilities(i151=0.45))
    assert decide(outputs, with_threshold(PRETRAINED, 0.6)).label == "dog"
    assert decide(outputs, with_threshold(PRETRAINED, 0.5)).label == "unusual"
    assert unusual_score(outputs, PRETRAINED) == pytest.approx(0.55)


def test_no_cat_or_dog_mass_at_all_is_unusual_and_undecided():
    verdict = decide(pretrained_outputs(probabilities()), PRETRAINED)
    assert verdict.label == "unusual" and verdict.unusual_score == 1.0 and verdict.cat == 0.5


def test_a_trained_version_decides_with_its_own_outputs_and_flags_unusual_with_the_imagenet_ones():
    signature = trained_signature(threshold=0.9)
    pet = {"probabilities": np.array([0.2, 0.8]), "imagenet_probabilities": probabilities(i281=0.7),
           "class_maps": np.ones((6, 6, 2))}
    verdict = decide(pet, signature)
    assert (verdict.label, verdict.cat, verdict.unusual_score) == ("dog", pytest.approx(0.2), pytest.approx(0.3))
    odd = {**pet, "probabilities": np.array([0.99, 0.01]), "imagenet_probabilities": probabilities(i900=0.95)}
    assert decide(odd, signature).label == "unusual"


def test_distribution_over_the_labels_students_choose_from_sums_to_one():
    verdict = decide(pretrained_outputs(probabilities(i281=0.3, i151=0.3)), PRETRAINED)
    distribution = verdict.distribution()
    assert set(distribution) == {"cat", "dog", "neither"} and sum(distribution.values()) == pytest.approx(1.0)
    assert distribution["neither"] == pytest.approx(0.4)


# ------------------------------------------------------------------------------------ contract

def test_pretrained_signature_holds_the_whole_decision_rule_and_its_calibration():
    decision = PRETRAINED["decision"]
    assert decision["classes"] == {"cat": [[281, 285]], "dog": [[151, 268]]}
    assert decision["unusual"]["threshold"] == 0.932
    assert decision["unusual"]["calibration"]["date"] and "0-7" in decision["unusual"]["calibration"]["split"]
    assert PRETRAINED["tags"]["output"] == "probabilities" and PRETRAINED["cam"]["output"] == "class_maps"
    assert contract.validate(PRETRAINED) is PRETRAINED


@pytest.mark.parametrize("broken, message", [
    (lambda s: {**s, "schema": 1}, "schema"),
    (lambda s: {**s, "tags": {**s["tags"], "output": "nope"}}, "tags reads output"),
    (lambda s: {**s, "decision": {**s["decision"], "classes": {"cat": [[1500, 1501]], "dog": [[1, 1]]}}}, "cat"),
    (lambda s: {**s, "input": {**s["input"], "shape": [None, 128, 128, 3]}}, "input"),
    (lambda s: {k: v for k, v in s.items() if k != "cam"}, "missing"),
])
def test_a_signature_that_breaks_the_contract_is_refused_with_the_reason(broken, message):
    with pytest.raises(contract.SignatureError, match=message):
        contract.validate(broken(PRETRAINED))


def test_class_ranges_round_trip():
    runs = contract.ranges([151, 152, 153, 281, 282, 7])
    assert runs == [[7, 7], [151, 153], [281, 282]]
    assert list(contract.indices(runs)) == [7, 151, 152, 153, 281, 282]


# ------------------------------------------------------------------------------------ tags

def test_label_data_covers_every_class_with_known_groups_in_both_languages():
    assert [imagenet.group_of(i) for i in imagenet.DOG_CLASSES] == ["dog"] * 118
    assert [imagenet.group_of(i) for i in imagenet.CAT_CLASSES] == ["cat"] * 5
    others = set(range(1000)) - set(imagenet.DOG_CLASSES) - set(imagenet.CAT_CLASSES)
    assert not {imagenet.group_of(i) for i in others} & {"dog", "cat"}
    assert all(imagenet.spanish_name(i) for i in range(1000))
    assert all(all(imagenet.group_names(group)) for group in imagenet.groups())
    assert imagenet.english_name(963) == "pizza" and imagenet.group_names("food") == ("comida", "food")


def test_cat_picture_gets_the_group_and_the_breeds_in_both_languages_from_imagenet():
    result = answer(pretrained_outputs(probabilities(i281=0.6, i285=0.3, i287=0.06)), PRETRAINED)
    tags = result.tags
    assert tags[0]["tag"] == "cat" and tags[0]["kind"] == "group" and result.tags_agree
    assert (tags[0]["label_es"], tags[0]["label_en"]) == ("gato", "cat")
    assert tags[0]["confidence"] == pytest.approx(0.9)
    assert {tag["source"] for tag in tags} == {"imagenet"}
    classes = [tag for tag in tags if tag["kind"] == "class"]
    assert [tag["imagenet_index"] for tag in classes] == [281, 285, 287, 0]
    assert classes[0]["label_en"] == "tabby cat" and classes[0]["label_es"].startswith("gato")


def test_food_group_and_small_classes_left_out():
    vector = np.full(1000, 0.2 / 997)
    vector[[963, 965, 967]] = [0.5, 0.2, 0.1]  # pizza, burrito, espresso
    result = answer(pretrained_outputs(vector), PRETRAINED)
    food = next(tag for tag in result.tags if tag["tag"] == "food")
    assert food["label_es"] == "comida" and food["confidence"] > 0.8
    assert all(tag["confidence"] >= 0.02 for tag in result.tags)
    assert len([tag for tag in result.tags if tag["kind"] == "class"]) == 3


def test_tags_never_contradict_the_answer_without_saying_why():
    """A trained classifier says cat at 99 %; the ImageNet network behind the tags leans dog (51 %)."""
    outputs = {"probabilities": np.array([0.99, 0.01]), "class_maps": np.ones((6, 6, 2)),
               "imagenet_probabilities": probabilities(i151=0.51, i281=0.30)}
    result = answer(outputs, trained_signature())
    assert result.verdict.label == "cat"
    first_group = next(tag for tag in result.tags if tag["kind"] == "group")
    assert first_group["tag"] == "cat" and first_group["confidence"] == pytest.approx(0.30)
    assert result.tags[0] is first_group  # the coarse tag that agrees comes first
    assert not result.tags_agree  # ...and the page says the two networks see it differently


def test_the_verdict_group_is_a_tag_even_when_imagenet_gives_it_little():
    outputs = {"probabilities": np.array([0.9, 0.1]), "class_maps": np.ones((6, 6, 2)),
               "imagenet_probabilities": probabilities(i151=0.9, i281=0.03)}
    result = answer(outputs, trained_signature())
    assert result.tags[0]["tag"] == "cat" and result.tags[0]["confidence"] == pytest.approx(0.03)


def test_an_unusual_answer_keeps_the_tags_in_confidence_order():
    result = answer(pretrained_outputs(probabilities(i963=0.9)), PRETRAINED)
    assert result.verdict.label == "unusual" and result.tags_agree
    confidences = [tag["confidence"] for tag in result.tags]
    assert confidences == sorted(confidences, reverse=True)


# ------------------------------------------------------------------------------------ CAM

def test_the_heatmap_explains_cat_against_dog_from_the_class_maps():
    maps = np.zeros((7, 7, 1000), np.float32)
    maps[2, 5, 281] = 3.0  # the cat evidence sits at row 2, column 5
    maps[6, 0, 151] = 5.0  # dog evidence elsewhere counts against cat
    maps[0, 0, [281, 151]] = 4.0  # what both see (fur) decides nothing
    result = answer(pretrained_outputs(probabilities(i281=0.8, i151=0.1), maps), PRETRAINED)
    assert result.explained == {"tag": "cat", "label_es": "gato", "label_en": "cat"}
    assert result.against == {"tag": "dog", "label_es": "perro", "label_en": "dog"}
    assert np.unravel_index(result.cam.argmax(), result.cam.shape) == (2, 5)
    assert result.evidence[2, 5] == pytest.approx(3 / 49) and result.evidence[6, 0] == pytest.approx(-5 / 49)
    assert result.evidence[0, 0] == pytest.approx(0.0, abs=1e-7)
    assert result.cam.max() == 1.0 and result.cam[6, 0] == 0.0 and result.cam[0, 0] == 0.0


def test_a_dog_answer_explains_dog_against_cat():
    maps = np.zeros((7, 7, 1000), np.float32)
    maps[2, 5, 281] = 3.0
    maps[6, 0, 151] = 5.0
    result = answer(pretrained_outputs(probabilities(i281=0.1, i151=0.8), maps), PRETRAINED)
    assert (result.explained["tag"], result.against["tag"]) == ("dog", "cat")
    assert result.evidence[6, 0] == pytest.approx(5 / 49) and result.evidence[2, 5] == pytest.approx(-3 / 49)


def test_an_unusual_picture_explains_the_likeliest_imagenet_class_against_the_others():
    maps = np.zeros((7, 7, 1000), np.float32)
    maps[1, 1, 963] = 2.0
    maps[4, 4, 0] = 2.0  # the runner-up's evidence counts against pizza
    result = answer(pretrained_outputs(probabilities(i963=0.9), maps), PRETRAINED)
    assert result.verdict.label == "unusual"
    assert result.explained["label_en"] == "pizza" and result.against["label_en"] == "the other ImageNet classes"
    assert result.cam[1, 1] == 1.0 and result.evidence[4, 4] < 0


def test_a_trained_two_class_version_explains_with_the_difference_of_its_maps():
    """The winner's own map peaks where both classes see something; the difference map does not."""
    maps = np.zeros((6, 6, 2), np.float32)
    maps[0, 0] = [4.0, 4.0]
    maps[5, 2, 0] = 1.0
    outputs = {"probabilities": np.array([0.8, 0.2]), "class_maps": maps,
               "imagenet_probabilities": probabilities(i281=0.9)}
    result = answer(outputs, trained_signature())
    assert result.verdict.label == "cat" and result.evidence.shape == (6, 6)
    assert np.unravel_index(result.cam.argmax(), result.cam.shape) == (5, 2) and result.cam[0, 0] == 0.0
    assert result.evidence.sum() == pytest.approx(1 / 36)


def test_a_trained_version_that_finds_a_picture_unusual_explains_its_forced_choice():
    maps = np.zeros((6, 6, 2), np.float32)
    maps[0, 3, 1] = 1.0
    outputs = {"probabilities": np.array([0.3, 0.7]), "class_maps": maps,
               "imagenet_probabilities": probabilities(i900=0.99)}
    result = answer(outputs, trained_signature())
    assert result.verdict.label == "unusual"
    assert (result.explained["tag"], result.against["tag"]) == ("dog", "cat")
    assert result.cam.shape == (6, 6) and result.cam[0, 3] == 1.0
