"""One pure function turns a version's outputs and its signature into the answer students see.

Nothing here knows which model it is: the signature says which output decides cat or dog, how the
unusual score is computed and where its threshold comes from, where the tags and the heatmap come
from. Serving, labeling scores and benchmarks all call `decide` or `answer`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ml_models.core import imagenet
from ml_models.core.cam import evidence_map, per_photo_scale
from ml_models.core.contract import IMAGENET_CLASSES, indices
from ml_models.core.tags import class_label, name_label, tags_for

CAT, DOG, UNUSUAL = "cat", "dog", "unusual"
OTHER_IMAGENET_CLASSES = {"tag": "other-imagenet-classes", "label_es": "las demás clases de ImageNet",
                          "label_en": "the other ImageNet classes"}


@dataclass(frozen=True)
class Verdict:
    """The decision for one picture, whichever model gave it."""

    label: str  # cat, dog or unusual
    cat: float  # P(cat | cat or dog)
    dog: float
    unusual_score: float  # how little of the ImageNet probability is on cats or dogs, 0-1
    unusual_threshold: float

    def distribution(self) -> dict[str, float]:
        """Over the labels students choose from (cat, dog, neither), summing to 1."""
        pet = 1.0 - self.unusual_score
        return {"cat": self.cat * pet, "dog": self.dog * pet, "neither": self.unusual_score}


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    tags: list[dict]
    tags_agree: bool  # the ImageNet network's likeliest group is the verdict too (see tags.tags_for)
    evidence: np.ndarray  # (H, W) signed, logits per cell: each cell's share of the log-odds of `explained` vs `against`
    explained: dict  # {"tag", "label_es", "label_en"} of what the map shows evidence for
    against: dict  # ... and against what (the other of cat and dog, or the other ImageNet classes)

    @property
    def cam(self) -> np.ndarray:
        """(H, W) in [0, 1]: the evidence for `explained`, scaled to this photo's own maximum (negative cut to 0)."""
        return per_photo_scale(self.evidence)


def _mass(probabilities: np.ndarray, runs: list[list[int]]) -> float:
    return float(probabilities[indices(runs)].sum())


def decide(outputs: Mapping[str, np.ndarray], signature: dict) -> Verdict:
    """Cat, dog or unusual for one picture's outputs (no batch axis), by the signature's decision rule."""
    decision = signature["decision"]
    probabilities = outputs[decision["output"]]
    cat_mass = _mass(probabilities, decision["classes"][CAT])
    dog_mass = _mass(probabilities, decision["classes"][DOG])
    cat = cat_mass / (cat_mass + dog_mass) if cat_mass + dog_mass > 0 else 0.5
    unusual = decision["unusual"]
    score = float(np.clip(1.0 - _mass(outputs[unusual["output"]], unusual["classes"]), 0.0, 1.0))
    threshold = float(unusual["threshold"])
    label = UNUSUAL if score >= threshold else (CAT if cat >= 0.5 else DOG)
    return Verdict(label=label, cat=cat, dog=1.0 - cat, unusual_score=score, unusual_threshold=threshold)


def unusual_score(outputs: Mapping[str, np.ndarray], signature: dict) -> float:
    """The unusual score alone (for calibrating its threshold)."""
    unusual = signature["decision"]["unusual"]
    return float(np.clip(1.0 - _mass(outputs[unusual["output"]], unusual["classes"]), 0.0, 1.0))


def answer(outputs: Mapping[str, np.ndarray], signature: dict) -> Answer:
    """Verdict, tags and the evidence map of the verdict for one picture's outputs.

    The map explains the decision that was made: for cat, the evidence for cat against dog (for dog the
    reverse). For an unusual picture the pretrained version explains its likeliest ImageNet class against
    the other ImageNet classes; a trained version, the likelier of cat and dog (its forced choice).
    """
    verdict = decide(outputs, signature)
    tag_rule = signature["tags"]
    tags, agree = tags_for(outputs[tag_rule["output"]], verdict=verdict.label, **tag_rule)
    cam = signature["cam"]
    probabilities = outputs[cam["classes_of"]]
    towards, against, explained, against_label = explained_classes(verdict, probabilities, signature)
    evidence = evidence_map(outputs[cam["output"]], probabilities, towards, against)
    return Answer(verdict=verdict, tags=tags, tags_agree=agree, evidence=evidence, explained=explained,
                  against=against_label)


def explained_classes(verdict: Verdict, probabilities: np.ndarray, signature: dict) -> tuple:
    """(class indices the map shows evidence for, against which, the labels of both) for this verdict."""
    groups = signature["decision"]["classes"]
    if verdict.label == UNUSUAL and signature["class_names"] == IMAGENET_CLASSES:
        top = int(np.argmax(probabilities))
        return [top], np.delete(np.arange(len(probabilities)), top), class_label(top), OTHER_IMAGENET_CLASSES
    winner = verdict.label if verdict.label != UNUSUAL else (CAT if verdict.cat >= 0.5 else DOG)
    loser = DOG if winner == CAT else CAT
    return indices(groups[winner]), indices(groups[loser]), name_label(winner), name_label(loser)


def rows(batch: Mapping[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
    """A batch of outputs ({name: (N, ...)}) as one {name: (...)} per picture."""
    count = len(next(iter(batch.values())))
    return [{name: values[i] for name, values in batch.items()} for i in range(count)]


def cat_dog_mass(probabilities: np.ndarray) -> tuple[float, float]:
    """Total ImageNet probability on the cat classes and on the dog-breed classes."""
    return float(probabilities[imagenet.CAT_CLASSES].sum()), float(probabilities[imagenet.DOG_CLASSES].sum())
