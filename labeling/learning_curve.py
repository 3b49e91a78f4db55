"""Learning-curve simulation: how accuracy grows with the number of labels, random vs uncertainty sampling.

Works on images already turned into embeddings (the pretrained EfficientNet-Lite0 1280-d pooled
output) with their known labels: a fixed test split (by content hash) is set aside, and for every
seed a classifier head (scikit-learn `LogisticRegression`) is trained on n labels of the rest (the
pool) chosen either at random or by pool-based uncertainty sampling, then scored on the test split.
No Django and no TensorFlow here, so the benchmark, a Celery task and a notebook can all call it.

Units: sizes are numbers of labelled images; accuracies are fractions in [0, 1].
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np
from scipy.stats import entropy
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

MEASURES = ("least_confidence", "margin", "entropy")
ACCURACY_TOLERANCE = 1e-9  # means of the same counts summed in another order differ in the last bits


@dataclass(frozen=True)
class CurveSettings:
    """What one simulation does; stored with its result so the run can be repeated."""

    sizes: tuple[int, ...] = (20, 50, 100, 200, 500, 1000)  # sizes above the pool size are dropped
    seeds: int = 5  # run i uses seed i, for both strategies
    test_fraction: float = 0.3  # share of the images set aside (by content hash) to measure accuracy
    initial: int = 10  # uncertainty sampling starts from this many random labels, every class present
    measure: str = "least_confidence"  # or "margin" or "entropy"; for two classes all three rank alike
    batch_fraction: float = 0.1  # each uncertainty step labels this share of the labels so far...
    min_batch: int = 5  # ...but at least this many images

    def __post_init__(self):
        if not self.sizes or any(n <= 0 for n in self.sizes) or list(self.sizes) != sorted(set(self.sizes)):
            raise ValueError(f"sizes must be positive and strictly increasing, got {self.sizes}")
        if self.seeds < 1:
            raise ValueError(f"seeds must be at least 1, got {self.seeds}")
        if not 0 < self.test_fraction < 1:
            raise ValueError(f"test_fraction must be between 0 and 1, got {self.test_fraction}")
        if not 2 <= self.initial <= self.sizes[0]:
            raise ValueError(
                f"initial must be between 2 and the smallest size {self.sizes[0]}, got {self.initial}"
            )
        if self.measure not in MEASURES:
            raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {self.measure!r}")
        if self.batch_fraction < 0 or self.min_batch < 1:
            raise ValueError("batch_fraction must be >= 0 and min_batch >= 1")


def test_split(keys: list[str], fraction: float) -> np.ndarray:
    """Boolean mask of the test images: the first 8 hex digits of each key (a sha256) below `fraction`.

    Depends on each image's content only, so the test set is the same for every seed, strategy and run.
    """
    try:
        positions = np.array([int(key[:8], 16) / 16**8 for key in keys], dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError("keys must be hexadecimal digests (sha256 of the file bytes)") from error
    return positions < fraction


test_split.__test__ = False  # pytest: not a test, even when imported into a test module


def uncertainty(probabilities: np.ndarray, measure: str) -> np.ndarray:
    """(images, classes) probabilities -> (images,) scores, higher = more uncertain.

    least_confidence: 1 - max p, in [0, 1 - 1/classes]; margin: 1 - (p1 - p2) of the two largest, in
    [0, 1]; entropy: -sum p ln p, in nats, in [0, ln classes].
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"expected probabilities of shape (images, classes >= 2), got {p.shape}")
    if measure == "least_confidence":
        return 1.0 - p.max(axis=1)
    if measure == "margin":
        top_two = np.partition(p, -2, axis=1)[:, -2:]
        return 1.0 - (top_two[:, 1] - top_two[:, 0])
    if measure == "entropy":
        return entropy(p, axis=1)
    raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")


def uncertainty_steps(settings: CurveSettings, sizes: tuple[int, ...]) -> list[int]:
    """Numbers of labels at which the uncertainty path fits a model: from `initial` to the last size.

    Each batch is max(min_batch, batch_fraction x labels so far), cut short so that every size is a step.
    """
    steps = [settings.initial]
    for size in sizes:
        while steps[-1] < size:
            batch = max(settings.min_batch, int(settings.batch_fraction * steps[-1]))
            steps.append(min(size, steps[-1] + batch))
    return steps


def simulate(
    embeddings: np.ndarray,
    labels: np.ndarray,
    keys: list[str],
    settings: CurveSettings = CurveSettings(),
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Random vs uncertainty sampling on the pool, every seed; a JSON-ready dict (accuracies in [0, 1]).

    `progress(done, total)` is called after every fitted model: one on the whole pool ("pool_accuracy",
    what labelling everything gives), then seeds x (sizes + uncertainty steps).
    """
    x = np.asarray(embeddings, dtype=np.float32)
    y = np.asarray(labels)
    if x.ndim != 2 or y.ndim != 1 or not len(x) == len(y) == len(keys):
        raise ValueError(
            f"need embeddings (images, features), labels (images,) and one key per image, "
            f"got {x.shape}, {y.shape} and {len(keys)} keys"
        )
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"need at least 2 classes, got {len(classes)}")
    is_test = test_split(keys, settings.test_fraction)
    pool_x, pool_y, test_x, test_y = x[~is_test], y[~is_test], x[is_test], y[is_test]
    if len(test_y) == 0:
        raise ValueError("the test split is empty: too few images or too small a test_fraction")
    if len(np.unique(pool_y)) < len(classes):
        raise ValueError("every class must have images outside the test split")
    sizes = tuple(n for n in settings.sizes if n <= len(pool_y))
    if not sizes:
        raise ValueError(
            f"the pool has {len(pool_y)} images, fewer than the smallest size {settings.sizes[0]}"
        )
    # Scaling on the whole pool uses no labels (every image is there before anyone labels it) and makes
    # L-BFGS converge in far fewer iterations.
    scaler = StandardScaler().fit(pool_x)
    pool_x, test_x = scaler.transform(pool_x), scaler.transform(test_x)
    steps = uncertainty_steps(settings, sizes)
    counter = _Progress(progress, total=settings.seeds * (len(sizes) + len(steps)) + 1)

    random_runs, path_runs = [], []
    # One BLAS thread: these fits are small, and on 2 busy cores (web + worker) two spinning BLAS threads
    # made the whole simulation 10x slower (measured 66 s against 6 s).
    with threadpool_limits(limits=1):
        pool_accuracy = float(_head().fit(pool_x, pool_y).score(test_x, test_y))  # every label: the ceiling
        counter.step()
        for seed in range(settings.seeds):
            rng = np.random.default_rng(seed)
            start = initial_labels(pool_y, settings.initial, rng)
            random_runs.append(_random_run(pool_x, pool_y, test_x, test_y, start, sizes, rng, counter))
            path_runs.append(
                _uncertainty_run(pool_x, pool_y, test_x, test_y, start, steps, settings.measure, counter)
            )

    random_runs, path_runs = np.array(random_runs), np.array(path_runs)  # (seeds, sizes), (seeds, steps)
    at_sizes = path_runs[:, [steps.index(n) for n in sizes]]
    return {
        "sizes": list(sizes),
        "test_size": int(len(test_y)),
        "pool_size": int(len(pool_y)),
        "seeds": settings.seeds,
        "measure": settings.measure,
        "pool_accuracy": pool_accuracy,
        "strategies": {"random": _spread(random_runs), "uncertainty": _spread(at_sizes)},
        "uncertainty_path": {"n": steps, **_spread(path_runs)},
        "settings": {**asdict(settings), "sizes": list(settings.sizes)},
    }


def labels_needed(result: dict, *, at: int = 500) -> dict:
    """The fewest labels on the uncertainty path whose mean accuracy reaches random's mean at `at` labels.

    {"random_accuracy_at": fraction, "uncertainty_labels": first n that reaches it (None: never),
    "ratio": uncertainty_labels / at, "uncertainty_labels_stable": first n from which every later step
    reaches it too (the path is noisy, so the first crossing can be luck)}.
    """
    if at not in result["sizes"]:
        raise ValueError(f"{at} labels is not one of the simulated sizes {result['sizes']}")
    target = result["strategies"]["random"]["mean"][result["sizes"].index(at)]
    path = result["uncertainty_path"]
    reached = [mean >= target - ACCURACY_TOLERANCE for mean in path["mean"]]
    first = next((n for n, ok in zip(path["n"], reached) if ok), None)
    misses = [i for i, ok in enumerate(reached) if not ok]
    stable_index = misses[-1] + 1 if misses else 0
    stable = path["n"][stable_index] if stable_index < len(path["n"]) else None
    return {"random_accuracy_at": target, "uncertainty_labels": first,
            "ratio": first / at if first is not None else None, "uncertainty_labels_stable": stable}


def compare(result: dict) -> dict:
    """Random against uncertainty sampling at each simulated size, with their noise.

    Two curves are "apart" at a size when their bands of mean ± one standard deviation across seeds
    (what the chart shades) do not overlap: |mean_u − mean_r| > std_u + std_r. Otherwise the
    difference is within the runs' spread and the simulation cannot tell the two apart there.
    {"apart": [bool per size], "gap": [mean_u − mean_r per size, fraction], "within_spread_from": the
    first size from which every size is within the spread (None when the last one is apart),
    "reference_apart": whether they are apart at labels_needed's reference size (None if not simulated)}.
    """
    random, chosen = result["strategies"]["random"], result["strategies"]["uncertainty"]
    gaps = [u - r for u, r in zip(chosen["mean"], random["mean"])]
    apart = [abs(gap) > su + sr + ACCURACY_TOLERANCE for gap, su, sr in zip(gaps, chosen["std"], random["std"])]
    last_apart = max((i for i, flag in enumerate(apart) if flag), default=-1)
    within_from = result["sizes"][last_apart + 1] if last_apart + 1 < len(apart) else None
    reference = (result.get("labels_needed") or {}).get("at")
    reference_apart = apart[result["sizes"].index(reference)] if reference in result["sizes"] else None
    return {"apart": apart, "gap": gaps, "within_spread_from": within_from, "reference_apart": reference_apart}


def initial_labels(
    labels: np.ndarray, count: int, rng: np.random.Generator, attempts: int = 1000
) -> np.ndarray:
    """`count` random pool positions in which every class appears (drawn again until it does)."""
    classes = np.unique(labels)
    if count < len(classes):
        raise ValueError(f"{count} initial labels cannot cover {len(classes)} classes")
    for _ in range(attempts):
        chosen = rng.choice(len(labels), size=count, replace=False)
        if len(np.unique(labels[chosen])) == len(classes):
            return chosen
    raise ValueError(f"no random draw of {count} images held every class in {attempts} attempts")


# ---------------------------------------------------------------------------- runs


class _Progress:
    def __init__(self, callback, total: int):
        self.callback, self.total, self.done = callback, total, 0

    def step(self) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(self.done, self.total)


def _head() -> LogisticRegression:
    # A fresh head for every fit, no warm_start: L-BFGS stops at a tolerance, so a warm-started head
    # depends on the earlier fits and the path changes with them (it measured 2.6x faster, not needed).
    return LogisticRegression(max_iter=1000)


def _random_run(pool_x, pool_y, test_x, test_y, start, sizes, rng, counter: _Progress) -> list[float]:
    """Test accuracy at each size, labels taken in one random order (after the shared initial ones)."""
    rest = np.setdiff1d(np.arange(len(pool_y)), start)
    order = np.concatenate([start, rng.permutation(rest)])
    accuracies = []
    for n in sizes:
        head = _head().fit(pool_x[order[:n]], pool_y[order[:n]])
        accuracies.append(float(head.score(test_x, test_y)))
        counter.step()
    return accuracies


def _uncertainty_run(
    pool_x, pool_y, test_x, test_y, start, steps, measure, counter: _Progress
) -> list[float]:
    """Test accuracy at each step: fit, then label the pool images the head is least sure about."""
    labelled = np.zeros(len(pool_y), dtype=bool)
    labelled[start] = True
    accuracies = []
    for step, next_step in zip(steps, steps[1:] + [None]):
        head = _head().fit(pool_x[labelled], pool_y[labelled])
        accuracies.append(float(head.score(test_x, test_y)))
        counter.step()
        if next_step is None:
            break
        unlabelled = np.flatnonzero(~labelled)
        scores = uncertainty(head.predict_proba(pool_x[unlabelled]), measure)
        labelled[unlabelled[np.argsort(-scores, kind="stable")[:next_step - step]]] = True
    return accuracies


def _spread(runs: np.ndarray) -> dict[str, list[float]]:
    """Mean and (population) standard deviation over seeds, per column."""
    return {"mean": runs.mean(axis=0).tolist(), "std": runs.std(axis=0).tolist()}
