"""labeling/learning_curve.py: the random vs uncertainty sampling simulation (pure numpy + scikit-learn)."""
import hashlib
import json
import math

import numpy as np
import pytest

from labeling import learning_curve as curve

SMALL = curve.CurveSettings(sizes=(20, 50, 100, 200, 500), seeds=3)


def sha256_keys(count: int, salt: str = "") -> list[str]:
    return [hashlib.sha256(f"{salt}{i}".encode()).hexdigest() for i in range(count)]


def linear_boundary(count: int = 1200, dims: int = 10, seed: int = 0):
    """Gaussian points split by a plane: only the points near the plane tell where it lies."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, dims))
    y = np.where(x[:, 0] + 0.5 * x[:, 1] > 0, "dog", "cat")
    return x, y, sha256_keys(count)


@pytest.fixture(scope="module")
def boundary_result():
    x, y, keys = linear_boundary()
    return curve.simulate(x, y, keys, SMALL)


# ---------------------------------------------------------------------------- test split


def test_test_split_depends_only_on_each_key():
    keys = sha256_keys(2000)
    mask = curve.test_split(keys, 0.3)
    assert np.array_equal(mask, curve.test_split(keys, 0.3))
    assert np.array_equal(curve.test_split(keys[::-1], 0.3), mask[::-1])  # order does not matter
    assert np.array_equal(curve.test_split(keys[:100], 0.3), mask[:100])  # nor which other images exist
    assert 0.27 < mask.mean() < 0.33
    assert list(curve.test_split(["0" * 64, "f" * 64], 0.3)) == [True, False]


def test_a_larger_test_fraction_only_adds_test_images():
    keys = sha256_keys(500)
    assert not (curve.test_split(keys, 0.2) & ~curve.test_split(keys, 0.4)).any()


def test_every_run_is_scored_on_the_split_of_the_keys(boundary_result):
    x, y, keys = linear_boundary()
    mask = curve.test_split(keys, SMALL.test_fraction)
    assert boundary_result["test_size"] == mask.sum()
    assert boundary_result["pool_size"] == (~mask).sum()


def test_keys_that_are_not_hex_digests_are_refused():
    with pytest.raises(ValueError, match="hexadecimal"):
        curve.test_split(["not-a-hash"], 0.3)


# ---------------------------------------------------------------------------- uncertainty


@pytest.mark.parametrize("measure", curve.MEASURES)
@pytest.mark.parametrize("classes", [2, 3])
def test_uniform_is_most_uncertain_and_one_hot_least(measure, classes):
    uniform = np.full(classes, 1 / classes)
    one_hot = np.eye(classes)[0]
    leaning = np.eye(classes)[0] * 0.5 + uniform * 0.5
    scores = curve.uncertainty(np.stack([one_hot, leaning, uniform]), measure)
    assert scores[0] == pytest.approx(0.0, abs=1e-12)
    assert scores[0] < scores[1] < scores[2]


def test_measures_have_their_documented_values_for_three_classes():
    uniform = np.full((1, 3), 1 / 3)
    assert curve.uncertainty(uniform, "least_confidence")[0] == pytest.approx(2 / 3)
    assert curve.uncertainty(uniform, "margin")[0] == pytest.approx(1.0)
    assert curve.uncertainty(uniform, "entropy")[0] == pytest.approx(math.log(3))  # nats


def test_margin_looks_only_at_the_two_most_likely_classes():
    tied_pair = [0.5, 0.5, 0.0]  # a sure choice between two classes... that are tied
    spread = [0.4, 0.3, 0.3]  # a leader, but little mass on it
    probabilities = np.array([tied_pair, spread])
    margin = curve.uncertainty(probabilities, "margin")
    least_confidence = curve.uncertainty(probabilities, "least_confidence")
    entropy = curve.uncertainty(probabilities, "entropy")
    assert margin[0] > margin[1]
    assert least_confidence[0] < least_confidence[1] and entropy[0] < entropy[1]


def test_for_two_classes_the_three_measures_rank_alike():
    p = np.random.default_rng(0).random(200)
    probabilities = np.stack([p, 1 - p], axis=1)
    orders = [np.argsort(curve.uncertainty(probabilities, measure), kind="stable")
              for measure in curve.MEASURES]
    assert all(np.array_equal(orders[0], order) for order in orders[1:])


def test_unknown_measure_or_shape_is_refused():
    with pytest.raises(ValueError, match="measure"):
        curve.uncertainty(np.array([[0.5, 0.5]]), "variance")
    with pytest.raises(ValueError, match="shape"):
        curve.uncertainty(np.array([0.5, 0.5]), "entropy")


# ---------------------------------------------------------------------------- sampling


def test_uncertainty_steps_grow_by_a_tenth_and_land_on_every_size():
    steps = curve.uncertainty_steps(curve.CurveSettings(), (20, 50, 100, 200))
    assert steps[:4] == [10, 15, 20, 25]  # at least min_batch (5)...
    assert steps[-3:] == [176, 193, 200]  # ...then 10 % of the labels so far, cut to reach the size
    assert {20, 50, 100, 200} <= set(steps) and steps == sorted(set(steps))


def test_initial_labels_hold_every_class_even_when_one_is_rare():
    labels = np.array(["cat"] * 295 + ["dog"] * 5)
    for seed in range(20):
        chosen = curve.initial_labels(labels, 10, np.random.default_rng(seed))
        assert len(set(chosen)) == 10 and set(labels[chosen]) == {"cat", "dog"}


def test_uncertainty_sampling_reaches_random_accuracy_with_fewer_labels(boundary_result):
    needed = curve.labels_needed(boundary_result, at=500)
    assert needed["uncertainty_labels"] is not None and needed["uncertainty_labels"] <= 200
    assert needed["ratio"] <= 0.4
    random, chosen = (boundary_result["strategies"][name]["mean"] for name in ("random", "uncertainty"))
    assert chosen[2] > random[2]  # at 100 labels


def test_result_is_json_with_one_value_per_size_and_step(boundary_result):
    result = json.loads(json.dumps(boundary_result))
    assert result["sizes"] == [20, 50, 100, 200, 500] and result["seeds"] == 3
    assert result["measure"] == "least_confidence" and result["settings"]["sizes"] == [20, 50, 100, 200, 500]
    for strategy in ("random", "uncertainty"):
        assert len(result["strategies"][strategy]["mean"]) == len(result["strategies"][strategy]["std"]) == 5
    path = result["uncertainty_path"]
    assert path["n"][0] == SMALL.initial and path["n"][-1] == 500
    assert len(path["n"]) == len(path["mean"]) == len(path["std"])
    values = [v for strategy in result["strategies"].values() for v in strategy["mean"]] + path["mean"]
    values.append(result["pool_accuracy"])
    assert all(0 <= v <= 1 for v in values)
    at_sizes = [path["mean"][path["n"].index(n)] for n in result["sizes"]]
    assert at_sizes == result["strategies"]["uncertainty"]["mean"]


def test_the_same_settings_give_the_same_result():
    x, y, keys = linear_boundary(count=400)
    settings = curve.CurveSettings(sizes=(20, 100), seeds=2)
    assert curve.simulate(x, y, keys, settings) == curve.simulate(x, y, keys, settings)


def test_sizes_above_the_pool_are_dropped():
    x, y, keys = linear_boundary(count=300)
    result = curve.simulate(x, y, keys, curve.CurveSettings(sizes=(20, 50, 100, 1000), seeds=1))
    assert result["pool_size"] < 300 and result["sizes"] == [20, 50, 100]
    assert result["uncertainty_path"]["n"][-1] == 100


def test_progress_counts_every_fitted_model():
    x, y, keys = linear_boundary(count=300)
    settings = curve.CurveSettings(sizes=(20, 50), seeds=2)
    calls = []
    curve.simulate(x, y, keys, settings, progress=lambda done, total: calls.append((done, total)))
    total = 1 + 2 * (2 + len(curve.uncertainty_steps(settings, (20, 50))))  # + the whole-pool head
    assert calls == [(done, total) for done in range(1, total + 1)]


def test_three_classes_are_simulated_too():
    rng = np.random.default_rng(1)
    centres = np.array([[3, 0], [-3, 0], [0, 3]])
    y = rng.integers(0, 3, 600)
    x = centres[y] + rng.normal(size=(600, 2))
    settings = curve.CurveSettings(sizes=(20, 100), seeds=2, measure="margin")
    result = curve.simulate(x, y, sha256_keys(600), settings)
    assert result["strategies"]["random"]["mean"][-1] > 0.9


@pytest.mark.parametrize(
    "change, message",
    [
        ({"labels": np.array(["cat"] * 300)}, "2 classes"),
        ({"keys": sha256_keys(299)}, "one key per image"),
        ({"embeddings": np.zeros(300)}, "one key per image"),
        ({"settings": curve.CurveSettings(sizes=(500, 1000))}, "fewer than the smallest size"),
    ],
)
def test_invalid_inputs_are_refused(change, message):
    x, y, keys = linear_boundary(count=300)
    arguments = {"embeddings": x, "labels": y, "keys": keys, **change}
    with pytest.raises(ValueError, match=message):
        curve.simulate(**arguments)


@pytest.mark.parametrize(
    "fields",
    [{"sizes": (50, 20)}, {"sizes": ()}, {"seeds": 0}, {"test_fraction": 1.0}, {"initial": 30},
     {"initial": 1}, {"measure": "variance"}],
)
def test_invalid_settings_are_refused(fields):
    with pytest.raises(ValueError):
        curve.CurveSettings(**fields)


# ---------------------------------------------------------------------------- labels needed


def made_up_result(path_means: list[float]) -> dict:
    return {
        "sizes": [20, 50],
        "strategies": {"random": {"mean": [0.80, 0.90]}},
        "uncertainty_path": {"n": [10, 20, 30, 40, 50], "mean": path_means},
    }


def test_labels_needed_is_the_first_step_reaching_random_and_the_step_it_stays_from():
    needed = curve.labels_needed(made_up_result([0.7, 0.91, 0.89, 0.90, 0.95]), at=50)
    assert needed == {"random_accuracy_at": 0.90, "uncertainty_labels": 20, "ratio": 0.4,
                      "uncertainty_labels_stable": 40}


def test_labels_needed_is_none_when_uncertainty_never_gets_there():
    needed = curve.labels_needed(made_up_result([0.7, 0.8, 0.85, 0.86, 0.87]), at=50)
    assert needed["uncertainty_labels"] is None and needed["ratio"] is None
    assert needed["uncertainty_labels_stable"] is None


def test_labels_needed_at_a_size_that_was_not_simulated_is_refused():
    with pytest.raises(ValueError, match="not one of the simulated sizes"):
        curve.labels_needed(made_up_result([0.9] * 5), at=500)


# ---------------------------------------------------------------------------- bench/learning_curve.py


def test_bench_goal_passes_at_300_labels_and_fails_above_or_never():
    from bench import learning_curve as bench  # sets Django up: imported only by the tests that need it

    def result(labels):
        return {"random_accuracy_at": 0.978, "uncertainty_labels": labels,
                "ratio": labels / 500 if labels else None, "uncertainty_labels_stable": labels}

    assert bench.goal_row(result(300))[-2:] == ["300 labels (60 % of 500)", "PASS"]
    assert bench.goal_row(result(301))[-1] == "FAIL"
    assert bench.goal_row(result(None))[-2:] == ["never", "FAIL"]


def test_bench_table_shows_mean_and_spread_in_percent_and_the_difference_in_points(boundary_result):
    from bench import learning_curve as bench

    made_up = {"sizes": [20, 500], "strategies": {
        "random": {"mean": [0.9, 0.95], "std": [0.02, 0.004]},
        "uncertainty": {"mean": [0.93, 0.955], "std": [0.01, 0.0]},
    }}
    assert bench.accuracy_rows(made_up) == [[20, "90.0 ± 2.0", "93.0 ± 1.0", "+3.0"],
                                            [500, "95.0 ± 0.4", "95.5 ± 0.0", "+0.5"]]
    assert len(bench.accuracy_rows(boundary_result)) == len(boundary_result["sizes"])
    tie = {"sizes": [50], "strategies": {"random": {"mean": [0.9752], "std": [0.0]},
                                         "uncertainty": {"mean": [0.9751], "std": [0.0]}}}
    assert bench.accuracy_rows(tie)[0][-1] == "+0.0"


# ---------------------------------------------------------------------------- compare: the result with its noise


def spread_result(random, uncertainty, *, sizes=(20, 50, 200, 500), at=500):
    """A made-up result: (mean, std) per size for each strategy."""
    return {"sizes": list(sizes), "labels_needed": {"at": at},
            "strategies": {"random": {"mean": [m for m, _ in random], "std": [s for _, s in random]},
                           "uncertainty": {"mean": [m for m, _ in uncertainty], "std": [s for _, s in uncertainty]}}}


def test_curves_whose_bands_overlap_are_within_their_spread_and_no_labels_claim_is_made():
    # the measured table of docs/learning_curve.md: apart only at 200 labels, within the spread from 500 on
    result = spread_result([(0.947, 0.020), (0.973, 0.005), (0.976, 0.002), (0.978, 0.005)],
                           [(0.964, 0.018), (0.970, 0.006), (0.980, 0.000), (0.980, 0.000)])
    compared = curve.compare(result)
    assert compared["apart"] == [False, False, True, False]
    assert compared["within_spread_from"] == 500 and compared["reference_apart"] is False
    assert compared["gap"] == pytest.approx([0.017, -0.003, 0.004, 0.002])


def test_bands_that_only_touch_are_within_the_spread_and_a_last_size_apart_leaves_no_noise_from():
    touching = curve.compare(spread_result([(0.90, 0.01)], [(0.92, 0.01)], sizes=(500,)))
    assert touching["apart"] == [False] and touching["within_spread_from"] == 500
    apart = curve.compare(spread_result([(0.90, 0.01), (0.90, 0.0)], [(0.90, 0.01), (0.95, 0.0)], sizes=(20, 500)))
    assert apart["apart"] == [False, True] and apart["within_spread_from"] is None
    assert apart["reference_apart"] is True
    assert curve.compare(spread_result([(0.9, 0.0)], [(0.8, 0.0)], sizes=(20,)))["reference_apart"] is None


def test_a_simulations_result_on_the_api_carries_its_comparison(classroom, api):
    from django.utils import timezone

    from eduai.models import Job

    result = spread_result([(0.90, 0.01), (0.95, 0.0)], [(0.90, 0.01), (0.97, 0.0)], sizes=(20, 100), at=100)
    job = Job.objects.create(kind="learning_curve", classroom=classroom, status="succeeded", progress=1.0,
                             params={}, result=result, finished_at=timezone.now())
    shown = api.get(f"/api/v1/classes/{classroom.pk}/labeling/learning-curves/{job.pk}/").json()["result"]
    assert shown["comparison"] == {"apart": [False, True], "gap": pytest.approx([0.0, 0.02]),
                                   "within_spread_from": None, "reference_apart": True}


def test_bench_does_not_pass_a_goal_whose_curves_are_within_their_spread_and_says_where_they_are():
    from bench import learning_curve as bench

    needed = {"random_accuracy_at": 0.978, "uncertainty_labels": 86, "ratio": 0.172, "uncertainty_labels_stable": 110}
    assert bench.goal_row(needed, apart=True)[-1] == "PASS"
    within = bench.goal_row(needed, apart=False)
    assert within[-1] == "NOT SHOWN" and "within their spread" in within[-2]
    measured = spread_result([(0.947, 0.020), (0.973, 0.005), (0.976, 0.002), (0.978, 0.005)],
                             [(0.964, 0.018), (0.970, 0.006), (0.980, 0.000), (0.980, 0.000)])
    sentence = bench.noise_sentence(measured)
    assert "further apart than their spread" in sentence and ": 200." in sentence
    assert "From 500 labels on they are within it" in sentence
    same = spread_result([(0.9, 0.01)], [(0.9, 0.01)], sizes=(20,))
    assert bench.noise_sentence(same).startswith("At every size the two curves are within their spread")
