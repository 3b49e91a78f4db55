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


def test_edge_percentile_matches_numpy_and_refuses_no_values():
    from bench import edge

    values = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0]
    for q in (0, 0.5, 0.9, 1):
        assert edge.percentile(values, q) == pytest.approx(np.percentile(values, q * 100))
    assert edge.summary([4.0]) == {"n": 1, "p50": 4.0, "p90": 4.0}
    with pytest.raises(ValueError):
        edge.percentile([], 0.5)


def test_edge_photos_come_from_the_held_out_split_lowest_hash_first(tmp_path):
    import hashlib

    from bench import edge

    for _group, folder, pattern in edge.GROUPS:
        (tmp_path / folder).mkdir(parents=True)
        for number in range(40):
            (tmp_path / folder / pattern.replace("*", f"p{number}")).write_bytes(f"{folder} {number}".encode())
    chosen = edge.held_out_photos(tmp_path, 3)
    assert [photo.group for photo in chosen] == ["cat"] * 3 + ["dog"] * 3 + ["other"] * 3
    for group, folder, _pattern in edge.GROUPS:
        digests = sorted(hashlib.sha256(path.read_bytes()).hexdigest() for path in (tmp_path / folder).iterdir())
        held_out = [digest for digest in digests if digest[0] in "89abcdef"]
        assert [photo.sha256 for photo in chosen if photo.group == group] == held_out[:3]
    assert chosen == edge.held_out_photos(tmp_path, 3)
    with pytest.raises(ValueError):
        edge.held_out_photos(tmp_path, 40)


def test_edge_bytes_come_from_the_server_log_by_kind():
    from bench import edge

    log = ['[01/Dec/2026 21:10:00] "GET /edge/ HTTP/1.1" 200 5120',
           '[01/Dec/2026 21:10:00] "GET /static/vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm HTTP/1.1" 200 11000000',
           '[01/Dec/2026 21:10:01] "GET /api/v1/models/3/files/model.onnx?sha256=ab HTTP/1.1" 200 13000000',
           '[01/Dec/2026 21:10:01] "GET /api/v1/models/3/files/model.onnx?sha256=ab HTTP/1.1" 304 -',
           'Watching for file changes', '[01/Dec/2026 21:10:02] "GET /api/v1/models/3/files/served_int8.onnx HTTP/1.1" 200 4000000']
    requests = edge.parse_server_log(log)
    assert len(requests) == 5 and requests[3] == {"method": "GET", "path": "/api/v1/models/3/files/model.onnx?sha256=ab",
                                                  "status": 304, "bytes": 0}
    files = {"fp32": {"url": "/api/v1/models/3/files/model.onnx?sha256=ab"},
             "int8": {"url": "/api/v1/models/3/files/served_int8.onnx?sha256=cd"}}
    kinds = edge.bytes_by_kind(requests, files)
    assert kinds == {"fp32 model": {"requests": 2, "bytes": 13000000}, "int8 model": {"requests": 1, "bytes": 4000000},
                     "onnxruntime-web": {"requests": 1, "bytes": 11000000}, "other": {"requests": 1, "bytes": 5120}}
    assert edge.bytes_by_kind(requests, {"fp32": files["fp32"], "int8": None})["other"]["requests"] == 2


def test_edge_section_says_which_goals_are_met():
    from bench import edge

    def times(p50):
        return {"n": 96, "p50": p50, "p90": p50 * 1.2}

    result = {
        "machine": {"date (UTC)": "2026-12-01 22:00", "CPU": "AMD EPYC", "cores (`os.cpu_count()`)": "2",
                    "RAM": "23.5 GiB", "onnxruntime": "1.32.0", "Python": "3.11.7",
                    "load average at start (1 / 5 min)": "1.00 / 1.00"},
        "chromium": "156.0", "ort_web": "1.30.0", "load_end": "2.00 / 1.50", "version": "lite0-imagenet v4",
        "photos": {"count": 48, "per_group": 16},
        "runtime": {"backend": "wasm", "threads": "2", "isolated": True, "hardware_concurrency": 2},
        "browser": {"classify": {"fp32": times(90.0), "int8": times(100.0)},
                    "run": {"fp32": times(60.0), "int8": times(50.0)}},
        "native": {"threads": "2", "run": {"fp32": times(25.0), "int8": times(20.0)},
                   "total": {"fp32": times(35.0), "int8": times(30.0)}},
        "visits": {"cold": [900.0, 1100.0, 1000.0], "warm": [300.0, 320.0, 310.0], "warm_bytes": 2000,
                   "warm_requests": 3, "first_int8_ms": 700.0},
        "bytes": {"fp32 model": {"requests": 1, "bytes": 13_000_000}},
        "files": {"fp32": {"size_bytes": 13_000_000}, "int8": {"size_bytes": 4_000_000}},
    }
    text = edge.render_section(result)
    assert text.startswith(edge.SECTION_HEADING + "\n")
    verdicts = {row["goal"]: row["met"] for row in edge.goals(result)}
    # 90 <= 3 x 35 (met); 60 <= 3 x 25 (met); INT8 slower in classify (not met), faster in run (met)
    assert list(verdicts.values()) == [True, True, False, True]
    assert "| 90.0 ms vs 35.0 ms: 2.57 x | met |" in text and "| 100.0 ms vs 90.0 ms | NOT met |" in text
    assert "| cold start (ms) | 1000.0 (each: 900.0, 1100.0, 1000.0) |" in text
    assert "13.00 MB" in text and "4.00 MB" in text
    result["browser"]["run"] = None
    assert len(edge.goals(result)) == 2 and "edge.run not reachable" in edge.render_section(result)
