"""The overfitting time machine: a fixed probe set of the run's photos and, after every epoch, what the
model answers for each and which parts of the photo pushed that answer (pure Keras, no Django).

The probes are chosen by content hash, so the same data gives the same probes: half from the validation
split, half from the training split (the other split fills in when one is short), never from the test split.
After every epoch of every stage the current weights answer them (inference mode: no dropout, BatchNorm's
moving statistics), and the heatmap is computed as the served one is: the class maps of the "logits" layer
over the "feature_maps" output, combined by ml_models/core/cam.py::evidence_map for the answer against the
other of cat and dog, scaled to each photo's own maximum (ml_models/core/answer.py::Answer.cam).
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ml_models.core.cam import evidence_map, per_photo_scale
from training.pipeline.data import Example, Splits

if TYPE_CHECKING:  # choosing probes and computing answers needs no TensorFlow; recording gets a Keras model
    import tf_keras as keras

PROBES = 12
SPLITS = ("train", "validation")
DECIMALS = 3  # probabilities and heatmap cells, as an analysis stores its grid


@dataclass(frozen=True)
class Probe:
    sha256: str
    split: str  # "train" or "validation"
    label: str  # the human label, one of the run's class names
    index: int  # position in its split (and in that split's image array)

    def as_dict(self) -> dict:
        return {"sha256": self.sha256, "split": self.split, "label": self.label}


def _by_hash_alternating(examples: Sequence[Example]) -> list[int]:
    """Positions of `examples` in sha256 order, taking the classes in turn (first cat, first dog, second cat,
    ...), so a handful of probes shows every class."""
    by_class: dict[int, list[int]] = {}
    for position in sorted(range(len(examples)), key=lambda i: examples[i].sha256):
        by_class.setdefault(examples[position].label, []).append(position)
    queues = [by_class[label] for label in sorted(by_class)]
    order = []
    for rank in range(max(map(len, queues), default=0)):
        order += [queue[rank] for queue in queues if rank < len(queue)]
    return order


def choose_probes(splits: Splits, class_names: Sequence[str], *, count: int = PROBES) -> list[Probe]:
    """`count` probes (fewer when train + validation hold fewer photos): count // 2 from validation and the
    rest from training, each split's share in sha256 order with the classes alternating. Training probes first."""
    members = {"train": splits.train, "validation": splits.validation}
    order = {split: _by_hash_alternating(members[split]) for split in SPLITS}
    wanted = {"validation": count // 2, "train": count - count // 2}
    short = {split: max(0, wanted[split] - len(order[split])) for split in SPLITS}
    # a split too small for its share leaves the rest to the other
    taken = {"train": min(len(order["train"]), wanted["train"] + short["validation"]),
             "validation": min(len(order["validation"]), wanted["validation"] + short["train"])}
    return [Probe(members[split][i].sha256, split, class_names[members[split][i].label], i)
            for split in SPLITS for i in order[split][:taken[split]]]


def probe_images(probes: list[Probe], images: dict[str, np.ndarray]) -> np.ndarray:
    """The probes' uint8 model inputs (N, H, W, 3), from each split's image array (as loaded, not augmented)."""
    if not probes:
        return np.zeros((0, *images["train"].shape[1:]), np.uint8)
    return np.stack([images[probe.split][probe.index] for probe in probes])


def class_maps(feature_maps: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """(N, H, W, C) feature maps and the logits layer's (C, K) kernel -> (N, H, W, K) class maps: what the
    served graph's 1x1 convolution computes (ml_models/networks/serving.py::class_maps_of, no bias)."""
    return np.einsum("nhwc,ck->nhwk", feature_maps.astype(np.float32), kernel.astype(np.float32))


def probe_answer(probabilities: np.ndarray, maps: np.ndarray, class_names: Sequence[str]) -> dict:
    """One probe at one epoch: the likelier of cat and dog (a trained version's forced choice; ties go to cat,
    as in answer.decide), the probabilities over the class names, and the heatmap of that answer against the
    other, in [0, 1] (rows x cols of the feature maps), with its strongest cell in logits."""
    names = list(class_names)
    cat, dog = names.index("cat"), names.index("dog")
    winner, loser = (cat, dog) if probabilities[cat] >= probabilities[dog] else (dog, cat)
    evidence = evidence_map(maps, probabilities, [winner], [loser])
    grid = per_photo_scale(evidence)
    return {"label": names[winner],
            "probabilities": {name: round(float(p), DECIMALS) for name, p in zip(names, probabilities)},
            "cam": np.round(grid.astype(np.float64), DECIMALS).tolist(),  # float32 would keep its long tail in JSON
            # logits per cell of the strongest cell: cam x strongest is the evidence, so the map can also be drawn
            # on the fixed scale (cam.fixed_scale), the same for every photo and epoch
            "strongest": round(max(float(evidence.max()), 0.0), 4)}


class ProbeRecorder:
    """Keeps the probes' answers after every epoch (train.fit calls `record` as its `after_epoch`)."""

    def __init__(self, probes: list[Probe], images: np.ndarray, class_names: Sequence[str]):
        self.probes, self.images, self.class_names = probes, images, list(class_names)
        self.epochs: list[dict] = []
        self.timings_ms: list[float] = []

    @classmethod
    def for_splits(cls, splits: Splits, images: dict[str, np.ndarray], class_names: Sequence[str],
                   *, count: int = PROBES) -> "ProbeRecorder":
        """`images`: {"train": ..., "validation": ...} arrays in the order of the splits' examples."""
        probes = choose_probes(splits, class_names, count=count)
        return cls(probes, probe_images(probes, images), class_names)

    def record(self, model: keras.Model, stage: str, epoch: int) -> dict:
        """The probes' answers with the model's current weights, kept as the entry of (stage, epoch)."""
        from ml_models.networks.lite0 import LOGITS_LAYER  # the dense layer both families call "logits"

        started = time.perf_counter()
        answers = []
        if self.probes:
            outputs = model.predict_on_batch(self.images)  # the compiled predict function, in inference mode
            maps = class_maps(np.asarray(outputs["feature_maps"]), model.get_layer(LOGITS_LAYER).get_weights()[0])
            probabilities = np.asarray(outputs["probabilities"])
            answers = [probe_answer(probabilities[i], maps[i], self.class_names) for i in range(len(self.probes))]
        entry = {"epoch": epoch, "stage": stage, "answers": answers}
        self.epochs.append(entry)
        self.timings_ms.append(round((time.perf_counter() - started) * 1000, 1))
        return entry

    def as_dict(self) -> dict:
        """{"probes": [{"sha256", "split", "label"}], "epochs": [{"epoch", "stage", "answers": [one per probe,
        in the probes' order]}], "timings_ms": [the recording's time at each epoch]}."""
        return {"probes": [probe.as_dict() for probe in self.probes], "epochs": self.epochs,
                "timings_ms": self.timings_ms}
