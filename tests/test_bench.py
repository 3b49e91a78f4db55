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
