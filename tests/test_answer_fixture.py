"""The shared fixture of model outputs and answers (tests/fixtures/answer_cases.json): Python's answer function
gives its expected answers, the file is what its generator makes now (so a change in answer.py that the
fixture, and with it answer.js, does not follow fails here), its real outputs are the pretrained graph's, and
/edge/answer-data.json carries the Python tables answer.js reads. The browser half is test_edge_js_browser.py."""
import json

import numpy as np
import pytest

from tests import make_answer_fixture as fixture

CASES = json.loads(fixture.FIXTURE.read_text(encoding="utf-8"))


def assert_same(got, want, *, tolerance: float, where: str = "") -> None:
    """Equal JSON values, floats within `tolerance` (absolute), saying where they differ."""
    if isinstance(want, float) or isinstance(got, float):
        assert isinstance(got, (int, float)) and abs(got - want) <= tolerance, f"{where}: {got!r} != {want!r}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{where}: keys {list(got)} != {list(want)}"
        for key in want:
            assert_same(got[key], want[key], tolerance=tolerance, where=f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for index, (a, b) in enumerate(zip(got, want)):
            assert_same(a, b, tolerance=tolerance, where=f"{where}[{index}]")
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def test_the_fixture_covers_the_cases_both_answers_must_agree_on():
    names = [case["name"] for case in CASES]
    assert {"pretrained-cat", "pretrained-dog", "pretrained-unusual"} <= set(names)
    labels = {case["name"]: case["expected"]["label"] for case in CASES}
    assert (labels["pretrained-cat"], labels["pretrained-dog"], labels["pretrained-unusual"]) == ("cat", "dog", "unusual")
    class_names = [case["signature"]["class_names"] for case in CASES]
    assert ["cat", "dog"] in class_names and ["cat", "dog", "neither"] in class_names
    by_name = {case["name"]: case["expected"] for case in CASES}
    assert by_name["tie-cat-dog"]["probabilities"]["cat"] == 0.5 and by_name["tie-cat-dog"]["label"] == "cat"
    assert by_name["zero-mass-threshold-reached"]["unusual_score"] == by_name["zero-mass-threshold-reached"]["unusual_threshold"]
    assert not any(by_name["no-positive-evidence"]["cam"]["data"])
    assert not by_name["trained-2-class-disagrees-with-imagenet"]["tags_agree"]
    assert fixture.FIXTURE.stat().st_size < 400_000


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_python_answer_gives_the_expected_answer(case):
    assert_same(fixture.expected_of(case), case["expected"], tolerance=1e-9, where=case["name"])


def test_the_fixture_is_what_its_generator_makes_now():
    """Recomputed from the stored model outputs with today's answer.py: a change there must be regenerated
    (python -m tests.make_answer_fixture --keep), and answer.js must follow it (test_edge_js_browser.py)."""
    rebuilt = fixture.build(fixture.stored_real_cases())
    assert [case["name"] for case in rebuilt] == [case["name"] for case in CASES]
    for made, stored in zip(rebuilt, CASES):
        assert made["signature"] == stored["signature"], made["name"]
        assert made["outputs"] == stored["outputs"], made["name"]
        assert_same(made["expected"], stored["expected"], tolerance=1e-9, where=made["name"])


def test_the_real_cases_are_the_pretrained_graphs_outputs_on_the_shared_photos(model_folder, datasets_dir):
    stored = {case["name"]: case for case in fixture.stored_real_cases()}
    for case in fixture.model_cases(model_folder, datasets_dir):
        before = stored[case["name"]]
        assert case["outputs"].keys() == before["outputs"].keys()
        for name, entry in case["outputs"].items():
            assert entry["dims"] == before["outputs"][name]["dims"]
            np.testing.assert_allclose(fixture.decode(entry), fixture.decode(before["outputs"][name]),
                                       rtol=1e-4, atol=1e-6, err_msg=f"{case['name']} {name}")
        assert fixture.expected_of(case)["label"] == fixture.expected_of(before)["label"]


def test_answer_data_is_made_from_the_python_modules(client):
    from ml_models.core import cam, imagenet
    from ml_models.core.answer import OTHER_IMAGENET_CLASSES
    from ml_models.core.tags import class_label, group_label

    response = client.get("/edge/answer-data.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "max-age=86400" in response["Cache-Control"] and "public" in response["Cache-Control"]
    tables = response.json()
    names = imagenet.groups()
    assert tables["groups"] == [group_label(name) for name in names]
    assert len(tables["classes"]) == imagenet.NUM_CLASSES
    for index in (0, 151, 281, 999):
        entry = tables["classes"][index]
        assert {key: entry[key] for key in ("tag", "label_es", "label_en")} == class_label(index)
        assert names[entry["group"]] == imagenet.group_of(index)
    assert tables["other_imagenet_classes"] == OTHER_IMAGENET_CLASSES
    assert tables["cam"]["ramp"] == cam._RAMP.tolist() and tables["cam"]["max_alpha"] == cam.MAX_ALPHA
