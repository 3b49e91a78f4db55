"""Writes tests/fixtures/answer_cases.json: model outputs with the answer Python gives for them.

The same file is checked by pytest against ml_models/core/answer.py (tests/test_answer_fixture.py) and by
Chromium against static/js/lib/answer.js (tests/test_edge_js_browser.py), so the two answers cannot drift.

    .venv/bin/python -m tests.make_answer_fixture            # again from the model (needs var/models, the photos)
    .venv/bin/python -m tests.make_answer_fixture --keep     # keep the stored model outputs, recompute the rest

Real cases are the pretrained version's outputs on shared photos. To keep the file small their class maps keep
only the channels the answer reads (cat and dog for a cat or dog verdict; all 1000 for an unusual one, whose
map is then pooled to 2 x 2 cells); the others are zero, which changes nothing in the answer. Synthetic cases
cover trained signatures (2 classes, 3 with "neither"), ties, zero probability mass, the threshold reached
exactly and a map with no positive evidence. Numbers are rounded (outputs to 6 significant digits, answers to
10) and the answer is computed from the rounded outputs as the tests load them (float32).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "answer_cases.json"
OUTPUT_DIGITS = 6
ANSWER_DIGITS = 10
# the shared photos of the real cases (under settings.SHARED_DATASETS_DIR), chosen once, by name
PHOTOS = {"pretrained-cat": "catsdogs/cat", "pretrained-dog": "catsdogs/dog", "pretrained-unusual": "not-catdog"}


def _round(value: float, digits: int) -> float:
    return float(f"{float(value):.{digits}g}")


def encode(array: np.ndarray, channels: list[int] | None = None) -> dict:
    """An output as JSON: {"dims", "data"} (row-major), or with `channels` only those of the last axis (others 0)."""
    array = np.asarray(array, dtype=np.float32)
    kept = array if channels is None else array[..., channels]
    entry = {"dims": list(array.shape), "data": [_round(v, OUTPUT_DIGITS) for v in kept.ravel().tolist()]}
    if channels is not None:
        entry["channels"] = [int(c) for c in channels]
    return entry


def decode(entry: dict) -> np.ndarray:
    """The float32 array an encoded output stands for (what both tests feed the answer)."""
    data = np.asarray(entry["data"], dtype=np.float32)
    if "channels" not in entry:
        return data.reshape(entry["dims"])
    array = np.zeros(entry["dims"], dtype=np.float32)
    array[..., entry["channels"]] = data.reshape([*entry["dims"][:-1], len(entry["channels"])])
    return array


def outputs_of(case: dict) -> dict[str, np.ndarray]:
    return {name: decode(entry) for name, entry in case["outputs"].items()}


def _rounded(value, digits: int = ANSWER_DIGITS):
    if isinstance(value, float):
        return _round(value, digits)
    if isinstance(value, dict):
        return {key: _rounded(item, digits) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item, digits) for item in value]
    return value


def expected_of(case: dict) -> dict:
    """Python's answer for a case's outputs, as JSON."""
    from ml_models.core.answer import answer

    result = answer(outputs_of(case), case["signature"])
    verdict = result.verdict
    grid = lambda array: {"height": int(array.shape[0]), "width": int(array.shape[1]),  # noqa: E731
                          "data": [float(v) for v in array.ravel()]}
    return _rounded({
        "label": verdict.label, "probabilities": {"cat": verdict.cat, "dog": verdict.dog},
        "unusual_score": verdict.unusual_score, "unusual_threshold": verdict.unusual_threshold,
        "tags": result.tags, "tags_agree": bool(result.tags_agree), "evidence": grid(result.evidence),
        "cam": grid(result.cam), "explained": result.explained, "against": result.against,
    })


# ---- the real cases: the pretrained graph on shared photos ----

def photo_paths(datasets: Path) -> dict[str, Path]:
    """The first photo (by name) of each folder in PHOTOS."""
    return {name: sorted(p for p in (datasets / folder).iterdir() if p.is_file())[0] for name, folder in PHOTOS.items()}


def model_cases(model_folder: Path, datasets: Path) -> list[dict]:
    """The real cases, computed now by the served graph of `model_folder` on the shared photos."""
    from ml_models.core import imagenet
    from ml_models.core.inference import ServedModel
    from ml_models.core.preprocess import load_rgb

    model = ServedModel.load(model_folder)
    signature = model.signature
    cases = []
    for name, path in photo_paths(datasets).items():
        row = {key: value[0] for key, value in model.predict(model.inputs([load_rgb(path)])).items()}
        probabilities = row[signature["decision"]["output"]]
        class_maps = row[signature["cam"]["output"]]
        if name == "pretrained-unusual":  # every class is in the map's "against": all channels, cells pooled 2 x 2
            split = (class_maps.shape[0] + 1) // 2
            pooled = np.array([[class_maps[r][:, c].mean(axis=(0, 1)) for c in (slice(0, split), slice(split, None))]
                               for r in (slice(0, split), slice(split, None))])
            maps = encode(pooled)
        else:
            maps = encode(class_maps, [*imagenet.DOG_CLASSES, *imagenet.CAT_CLASSES])
        cases.append({
            "name": name,
            "source": f"{model.name} v{model.version} on {path.relative_to(datasets)}",
            "signature": signature,
            "outputs": {signature["decision"]["output"]: encode(probabilities), signature["cam"]["output"]: maps},
        })
    return cases


# ---- the synthetic cases ----

def _imagenet(values: dict[int, float]) -> np.ndarray:
    probabilities = np.zeros(1000, dtype=np.float32)
    for index, value in values.items():
        probabilities[index] = value
    return probabilities


def synthetic_cases(pretrained_signature: dict, real: dict[str, dict]) -> list[dict]:
    """Trained signatures and edge cases, deterministic (seeded), some reusing the real ImageNet outputs."""
    from ml_models.core.contract import trained_signature

    rng = np.random.default_rng(12)
    unusual = {**copy.deepcopy(pretrained_signature["decision"]["unusual"]), "output": "imagenet_probabilities"}
    two = trained_signature(family="lite0_finetuned", class_names=["cat", "dog"], feature_maps=(3, 3, 8),
                            embedding=8, unusual=unusual)
    three = trained_signature(family="student_cnn", class_names=["cat", "dog", "neither"], feature_maps=(2, 2, 8),
                              embedding=8, unusual=unusual)
    imagenet_of = {name: decode(case["outputs"]["probabilities"]) for name, case in real.items()}
    maps = lambda shape: rng.normal(0, 2, shape).astype(np.float32)  # noqa: E731

    def case(name, signature, probabilities, imagenet, class_maps, about):
        return {"name": name, "source": about, "signature": signature, "outputs": {
            "probabilities": encode(probabilities), "imagenet_probabilities": encode(imagenet),
            "class_maps": encode(class_maps)}}

    cases = [
        case("trained-2-class-disagrees-with-imagenet", two, np.array([0.27, 0.73], np.float32),
             imagenet_of["pretrained-cat"], maps((3, 3, 2)),
             "a trained cat/dog version saying dog where the ImageNet outputs (real, of the cat photo) say cat"),
        case("trained-3-class-neither-unusual", three, np.array([0.05, 0.15, 0.8], np.float32),
             imagenet_of["pretrained-unusual"], maps((2, 2, 3)),
             "3 classes with neither; the real ImageNet outputs of the unusual photo: unusual, map of the likelier dog"),
        case("trained-3-class-cat-first-tag", three, np.array([0.3, 0.1, 0.6], np.float32),
             imagenet_of["pretrained-dog"], maps((2, 2, 3)),
             "3 classes, verdict cat where the ImageNet outputs (real, of the dog photo) say dog: the cat tag first"),
        case("tie-cat-dog", two, np.array([0.5, 0.5], np.float32),
             _imagenet({281: 0.25, 151: 0.25, 409: 0.2, 530: 0.2, 892: 0.1}), maps((3, 3, 2)),
             "P(cat) exactly 0.5 (cat wins ties); three class tags of equal probability (lower index first)"),
        case("zero-mass-threshold-reached", three, np.array([0.0, 0.0, 1.0], np.float32),
             _imagenet({281: 0.125, 200: 0.125, 950: 0.75}), maps((2, 2, 3)),
             "no probability on cat or dog (P(cat) 0.5, equal weights in the map); unusual score 0.75 = threshold"),
        case("no-positive-evidence", two, np.array([0.9, 0.1], np.float32), _imagenet({285: 0.6, 160: 0.4}),
             np.stack([-np.ones((3, 3)), np.ones((3, 3))], axis=-1).astype(np.float32),
             "every cell speaks against the answer: the CAM is all zero"),
    ]
    # the threshold of the zero-mass case, so that the unusual score reaches it exactly
    cases[4]["signature"] = copy.deepcopy(three)
    cases[4]["signature"]["decision"]["unusual"]["threshold"] = 0.75
    # the pretrained graph with no probability anywhere: unusual, the map of class 0 against the others, equal weights
    cases.append({"name": "pretrained-all-zero", "source": "the pretrained signature, every probability 0",
                  "signature": pretrained_signature,
                  "outputs": {"probabilities": encode(np.zeros(1000, np.float32)),
                              "class_maps": encode(np.round(maps((1, 2, 1000)), 2))}})
    return cases


def build(real: list[dict]) -> list[dict]:
    """Every case with its expected answer, from the real cases (their signature and outputs)."""
    by_name = {case["name"]: case for case in real}
    cases = [*real, *synthetic_cases(real[0]["signature"], by_name)]
    return [{**case, "expected": expected_of(case)} for case in cases]


def stored_real_cases(path: Path = FIXTURE) -> list[dict]:
    """The real cases as stored in the fixture (without their expected answers)."""
    cases = json.loads(path.read_text(encoding="utf-8"))
    return [{key: value for key, value in case.items() if key != "expected"} for case in cases
            if case["name"] in PHOTOS]


def write(cases: list[dict], path: Path = FIXTURE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cases, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the stored model outputs, recompute the rest")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduai.settings")
    import django

    django.setup()
    from django.conf import settings

    from ml_models.networks import pretrained

    if args.keep:
        real = stored_real_cases()
    else:
        real = model_cases(pretrained.artifact_dir(settings.MODELS_DIR), Path(settings.SHARED_DATASETS_DIR))
    cases = build(real)
    write(cases)
    print(f"{FIXTURE}: {len(cases)} cases, {FIXTURE.stat().st_size / 1024:.0f} kB")
    for case in cases:
        expected = case["expected"]
        print(f"  {case['name']}: {expected['label']} P(cat)={expected['probabilities']['cat']:.4f} "
              f"unusual={expected['unusual_score']:.4f} tags={[tag['tag'] for tag in expected['tags']]}")


if __name__ == "__main__":
    main()
