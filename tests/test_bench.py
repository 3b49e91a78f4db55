"""The statistics behind docs/benchmarks.md (ml_models/core/calibration.py, bench/analyze.py)."""
import numpy as np
import pytest

from bench import analyze as bench
from ml_models.core import calibration


def test_auroc_matches_pairwise_counting():
    rng = np.random.RandomState(0)
    scores = rng.rand(60).round(1)  # rounded, so there are ties
    positive = rng.rand(60) > 0.6
    pairs = [(p > n) + 0.5 * (p == n) for p in scores[positive] for n in scores[~positive]]
    assert calibration.auroc(scores, positive) == pytest.approx(np.mean(pairs))
    assert calibration.auroc(np.array([0.1, 0.2, 0.8, 0.9]), np.array([False, False, True, True])) == 1.0


def test_threshold_maximises_balanced_accuracy():
    scores = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.35])
    positive = np.array([False, False, False, True, True, True])
    threshold = calibration.choose_threshold(scores, positive)
    assert threshold == pytest.approx(0.35)
    assert calibration.balanced_accuracy(scores >= threshold, positive) == 1.0


def test_wilson_interval_contains_the_proportion_and_stays_in_range():
    low, high = bench.wilson_interval(999, 999)
    assert 0.99 < low < 1.0 and high == pytest.approx(1.0)
    low, high = bench.wilson_interval(50, 100)
    assert low < 0.5 < high and high - low == pytest.approx(0.19, abs=0.01)


def test_only_its_own_section_of_the_doc_is_replaced(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Training\n\nkeep me\n\n## Analyze (make bench)\n\nold\n\n## Labels\n\nkeep too\n")
    bench.write_section(doc, "## Analyze (make bench)\n\nnew\n")
    text = doc.read_text()
    assert "old" not in text and "new" in text and "keep me" in text and "keep too" in text


def test_a_named_section_is_replaced_and_the_analyze_one_kept(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Analyze (make bench)\n\nanalyze\n\n## Training (make bench-train)\n\nold\n")
    bench.write_section(doc, "## Training (make bench-train)\n\nnew\n", heading="## Training (make bench-train)")
    text = doc.read_text()
    assert "analyze" in text and "new" in text and "old" not in text


def test_wilson_interval_matches_a_published_value_and_handles_no_photos():
    # Newcombe (1998), example: 81 of 263 -> 0.2553 to 0.3662
    low, high = bench.wilson_interval(81, 263)
    assert (low, high) == (pytest.approx(0.2553, abs=1e-4), pytest.approx(0.3662, abs=1e-4))
    assert bench.wilson_interval(0, 0) == (0.0, 1.0)
    low, high = bench.wilson_interval(0, 16)
    assert low == 0.0 and 0.19 < high < 0.2  # 0 of 16 is compatible with about 19%


def test_a_share_is_written_with_its_interval_and_counts():
    assert bench.share_with_ci(147, 148) == "99.3% (95% CI 96.3% - 99.9%; 147 of 148)"
    assert bench.share_with_ci(0, 0) == "– (0 photos)"


def test_agreement_counts_the_photos_answered_the_same():
    assert bench.agreement(np.array([0, 1, 1, 0, 1]), np.array([0, 1, 0, 0, 1])) == (4, 5)
    assert bench.agreement(np.array(["cat", "dog"]), np.array(["cat", "dog"])) == (2, 2)
    with pytest.raises(ValueError):
        bench.agreement(np.array([0, 1]), np.array([0, 1, 1]))


def test_flag_metrics_counts_what_its_rates_are_made_of():
    scores = np.array([0.1, 0.95, 0.2, 0.99, 0.5, 0.97])
    positive = np.array([False, False, False, True, True, True])
    m = bench.flag_metrics(scores, positive, 0.9)
    assert (m["flagged_pets"], m["pets"], m["caught_others"], m["others"]) == (1, 3, 2, 3)
    assert m["false_flags"] == pytest.approx(1 / 3) and m["caught"] == pytest.approx(2 / 3)


def test_the_centre_crop_keeps_the_middle_of_the_photo():
    from PIL import Image

    pixels = np.zeros((300, 600, 3), dtype=np.uint8)
    pixels[:, 150:450] = 255  # a white band in the middle half, black sides
    crop = bench.centre_crop_input(Image.fromarray(pixels), (224, 224))
    assert crop.shape == (224, 224, 3)
    # shorter side 300 -> 256, so the long side is 512 (band 128-384) and the central 224 columns (144-368)
    # are all band; squashing the whole photo would keep the black sides
    assert crop.min() == 255


def test_cat_or_dog_compares_the_cat_and_dog_masses():
    from ml_models.core import imagenet

    cat, dog = np.zeros(1000), np.zeros(1000)
    cat[imagenet.CAT_CLASSES[0]], cat[imagenet.DOG_CLASSES[0]] = 0.3, 0.2
    dog[imagenet.CAT_CLASSES] = 0.01
    dog[imagenet.DOG_CLASSES[:3]] = 0.1
    assert list(bench.cat_or_dog(np.stack([cat, dog]))) == ["cat", "dog"]


def _fake_run(artifacts, answers, labels):
    from types import SimpleNamespace

    from bench import train

    result = SimpleNamespace(artifacts=artifacts, test_metrics={"count": len(labels)})
    return train.TimedRun("fake", result, 1.0, test_answers=answers, test_labels=np.array(labels))


def test_int8_comparison_counts_both_accuracies_and_the_photos_answered_alike():
    from bench import train

    labels = [0, 0, 1, 1, 1]
    rows = [{"artifact": name, "file": file, "size_bytes": size, "accuracy": accuracy}
            for name, file, size, accuracy in (("ONNX", "classifier.onnx", 100, 0.8),
                                                ("ONNX INT8", "model_int8.onnx", 25, 0.8),
                                                ("TFLite fp32", "model_float.tflite", 100, 0.8),
                                                ("TFLite int8", "model_int8.tflite", 30, 0.6))]
    answers = {"classifier.onnx": np.array([0, 0, 1, 1, 0]), "model_int8.onnx": np.array([0, 1, 1, 1, 1]),
               "model_float.tflite": np.array([0, 0, 1, 1, 0]), "model_int8.tflite": np.array([1, 0, 1, 1, 0])}
    onnx, tflite = train.int8_comparisons(_fake_run(rows, answers, labels))
    # same accuracy (4 of 5 each), but the two files disagree on two photos
    assert onnx["fp32_correct"] == (4, 5) and onnx["int8_correct"] == (4, 5) and onnx["agreement"] == (3, 5)
    assert onnx["size_ratio"] == 0.25 and onnx["points"] == 0.0
    assert tflite["int8_correct"] == (3, 5) and tflite["agreement"] == (4, 5)
    assert "same answer on 60.0% (95% CI" in train.comparison_text(onnx)


def test_more_recovery_epochs_are_only_called_helpful_when_the_intervals_separate():
    from bench import train

    assert "cannot tell" in train.pruning_verdict({"accuracy_counts": (153, 300)}, {"accuracy_counts": (160, 300)})
    assert "helped" in train.pruning_verdict({"accuracy_counts": (153, 300)}, {"accuracy_counts": (280, 300)})
    assert "did not help" in train.pruning_verdict({"accuracy_counts": (280, 300)}, {"accuracy_counts": (153, 300)})
